using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using ClearingCluster.Client;
using ClearingCluster.TestSupport;
using ClearingCluster.Wire;

namespace ClearingCluster.EndToEnd.Tests;

/// <summary>
/// The database as a Patroni cluster with a synchronous standby (<see cref="PatroniLab"/>), the silo connecting to
/// whichever node is primary. Under a steady stream of deposits, each sent again with its reference until acknowledged,
/// the primary is killed (Patroni, postmaster and backends, SIGKILL): the standby is promoted, the silo carries on at
/// it, and every acknowledged deposit is there exactly once.
/// </summary>
public sealed class DatabaseFailoverTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task A_killed_primary_loses_no_acknowledged_write_and_the_silo_carries_on_at_the_promoted_standby()
    {
        Assert.True(PatroniLab.Unavailable() is null, $"the Patroni lab cannot be built here: {PatroniLab.Unavailable()}");
        var configuration = AppContext.BaseDirectory.Contains("/bin/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        await using var lab = await PatroniLab.StartAsync(TimeSpan.FromSeconds(120));
        var primary = await lab.UntilAsync((_, sync) => sync, TimeSpan.FromSeconds(60), "a synchronous standby");
        await using var silo = await GatewayProcess.StartAsync(configuration,
            new Dictionary<string, string>(Failover.Leases(TimeSpan.FromSeconds(2))) { ["CLEARING_DB"] = lab.ConnectionString });
        using var admin = silo.Client(silo.AdminKey);
        const string Member = "patroni-member";
        await new ClearingClient(admin).RegisterParticipantAsync(new RegisterParticipantRequest(Member, "Patroni member", ["buyer"], 1));

        var deposits = new Deposits(admin, Member);
        var running = deposits.RunAsync();
        await deposits.UntilAcknowledgedAsync(20, running);

        // Acknowledged means on both nodes: the primary's commits wait for its synchronous standby.
        Assert.Equal(1, await Sql.LongAsync(lab.ConnectionString, "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'"));
        Assert.Equal("on", await Sql.TextAsync(lab.ConnectionString, "SHOW synchronous_commit"));
        output.WriteLine($"killing the primary {primary} after {deposits.Acknowledged.Count} deposits");
        await lab.KillAsync(primary);
        var promoted = await lab.UntilAsync((leader, _) => leader != primary, TimeSpan.FromSeconds(60), "a new leader");
        Assert.NotEqual(primary, promoted);
        await deposits.UntilAcknowledgedAsync(deposits.Acknowledged.Count + 20, running);
        await deposits.StopAsync(running);

        // Every deposit acknowledged before and after the kill is there once; the one in flight at the end is sent again.
        foreach (var (reference, amount) in deposits.Sent.Where(s => !deposits.Acknowledged.ContainsKey(s.Key)))
        {
            Assert.True(await deposits.SendAsync(reference, amount, CancellationToken.None), $"{reference} was not taken at the end");
        }
        var account = (await admin.GetFromJsonAsync<AccountResponse>($"/v1/accounts/{Member}"))!;
        Assert.Equal(deposits.Sent.Values.Sum(), account.Available);
        Assert.Equal(deposits.Sent.Count, await Sql.LongAsync(lab.ConnectionString,
            "SELECT count(*) FROM account_operations WHERE account_id = $1 AND op_key LIKE 'deposit%'", Member));
        var verified = (await admin.GetFromJsonAsync<LedgerVerifyResponse>("/v1/ledger/verify"))!;
        Assert.True(verified.Ok, verified.Problem);
        output.WriteLine($"{deposits.Sent.Count} deposits, {deposits.Retries} sent again; {promoted} promoted");
    }

    /// <summary>One deposit at a time, each sent again with its own reference until acknowledged.</summary>
    private sealed class Deposits(HttpClient admin, string member)
    {
        private readonly CancellationTokenSource stop = new();
        private readonly ConcurrentDictionary<TaskCompletionSource, int> waiters = new();

        public ConcurrentDictionary<string, long> Sent { get; } = new();

        public ConcurrentDictionary<string, long> Acknowledged { get; } = new();

        public int Retries { get; private set; }

        public async Task RunAsync()
        {
            for (var n = 1; !stop.IsCancellationRequested; n++)
            {
                var (reference, amount) = ($"patroni-{n}", 1 + n % 1000L);
                Sent[reference] = amount;
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                        timeout.CancelAfter(TimeSpan.FromSeconds(5));
                        if (await SendAsync(reference, amount, timeout.Token))
                        {
                            Acknowledged[reference] = amount;
                            foreach (var (waiter, wanted) in waiters)
                            {
                                if (Acknowledged.Count >= wanted)
                                {
                                    waiter.TrySetResult();
                                }
                            }
                            break;
                        }
                    }
                    catch (Exception error) when (error is HttpRequestException or OperationCanceledException)
                    {
                        // No answer: its outcome is unknown, so it is sent again with the same reference.
                    }
                    Retries++;
                    await Task.Delay(50, CancellationToken.None);
                }
            }
        }

        /// <summary>True when acknowledged; false on 503/504 (nothing done, or unknown): send it again.</summary>
        public async Task<bool> SendAsync(string reference, long amount, CancellationToken cancellationToken)
        {
            using var response = await admin.PostAsJsonAsync($"/v1/accounts/{member}/deposits", new MoveRequest(amount, reference), cancellationToken);
            return response.IsSuccessStatusCode
                || (response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout
                    ? false
                    : throw new InvalidOperationException($"{reference}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}"));
        }

        public async Task UntilAcknowledgedAsync(int count, Task running)
        {
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiters[reached] = count;
            if (Acknowledged.Count >= count)
            {
                reached.TrySetResult();
            }
            var first = await Task.WhenAny(reached.Task, running).WaitAsync(TimeSpan.FromSeconds(120));
            waiters.TryRemove(reached, out _);
            Assert.True(first == reached.Task, $"the deposits stopped: {running.Exception}");
        }

        public async Task StopAsync(Task running)
        {
            await stop.CancelAsync();
            await running;
        }
    }
}
