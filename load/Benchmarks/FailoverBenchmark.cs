using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using ClearingCluster.Client;
using ClearingCluster.TestSupport;
using ClearingCluster.Wire;

namespace ClearingCluster.Load.Benchmarks;

/// <summary>
/// A silo's death to its partitions answering again: two silos (each a Gateway process) on one database sharing the
/// partitions; one is killed with SIGKILL and eight members' accounts (some on each silo) are asked at the other every
/// 20 ms until all answer (a call for the dead one's share waits for its new owner, or is answered 503 <c>moved</c>).
/// The killed one is restarted, gets its share back, and the next run kills the other. Goal (docs/CLUSTER.md): at most
/// 15 s with a 10 s lease.
/// </summary>
public static class FailoverBenchmark
{
    public static async Task RunAsync(BenchmarkArguments arguments)
    {
        var lease = TimeSpan.FromSeconds(arguments.Int("lease", 10));
        var runs = arguments.Runs;
        await using var first = await GatewayProcess.StartAsync("Release", Failover.Leases(lease));
        await using var second = await Failover.StartStandbyAsync(first, lease);
        var adminKey = first.AdminKey;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"failover: 2 silos (Gateway processes) on one PostgreSQL (fsync on), lease {lease.TotalSeconds:N0} s, renew every {lease.TotalSeconds / 3:N1} s, {runs} runs, {Environment.ProcessorCount} cores"));

        var members = Enumerable.Range(0, 8).Select(m => $"failover-member-{m}").ToList();
        using (var staff = first.Client(adminKey))
        {
            var client = new ClearingClient(staff);
            foreach (var member in members)
            {
                await client.RegisterParticipantAsync(new RegisterParticipantRequest(member, "Failover member", ["buyer"], 1));
                await client.DepositFundsAsync(member, 1_000_000, "failover");
            }
        }

        var (active, standby) = (first, second);
        var gaps = new List<double>();
        for (var run = 1; run <= runs; run++)
        {
            using var other = standby.Client(adminKey);
            using (var each = active.Client(adminKey))
            {
                await Failover.UntilSharedAsync([each, other], TimeSpan.FromMinutes(2));
            }
            var killed = Stopwatch.StartNew();
            await active.KillAsync();
            foreach (var member in members)
            {
                await Failover.UntilServedAsync(other, $"/v1/accounts/{member}", TimeSpan.FromMinutes(2));
            }
            var gap = killed.Elapsed;
            var cluster = (await other.GetFromJsonAsync<ClusterResponse>("/v1/cluster", new JsonSerializerOptions(JsonSerializerDefaults.Web)))!;
            foreach (var member in members)
            {
                var balance = (await other.GetFromJsonAsync<AccountResponse>($"/v1/accounts/{member}"))!.Available;
                if (balance != 1_000_000)
                {
                    throw new InvalidOperationException($"run {run}: {member}'s balance acknowledged before the kill was 1,000,000 µ¥, after it {balance:N0}");
                }
            }
            gaps.Add(gap.TotalSeconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  run {run}: all 8 accounts served again {gap.TotalSeconds:N2} s after the SIGKILL; the other holds {cluster.Held} partitions, epochs {cluster.Silos.Single().EpochMin}–{cluster.Silos.Single().EpochMax}; balances intact"));
            await active.RestartAsync();
            (active, standby) = (standby, active);
        }
        gaps.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  median {gaps[gaps.Count / 2]:N2} s (range {gaps[0]:N2}–{gaps[^1]:N2} s) with a {lease.TotalSeconds:N0} s lease"));
    }
}
