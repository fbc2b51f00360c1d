using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClearingCluster.Client;
using ClearingCluster.TestSupport;
using ClearingCluster.Wire;

namespace ClearingCluster.EndToEnd.Tests;

/// <summary>
/// Two silos on one database, each its own process: they share the partitions (the second's share handed over to it),
/// a request entered at either is served wherever its grains live (calls go silo to silo), and when one is killed with
/// SIGKILL the other takes its share once the leases ran out on the database's clock (new epochs), serving what the
/// dead one acknowledged. Restarted, the killed one gets its share back.
/// </summary>
public sealed class FailoverTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Two_silos_share_the_partitions_serve_requests_entered_at_either_and_a_killed_ones_share_is_taken_over_with_nothing_lost()
    {
        var configuration = AppContext.BaseDirectory.Contains("/bin/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        await using var active = await GatewayProcess.StartAsync(configuration, Failover.Leases(Lease));
        await using var standby = await Failover.StartStandbyAsync(active, Lease, configuration);
        using var first = active.Client(active.AdminKey);
        using var second = standby.Client(active.AdminKey);
        await Failover.UntilSharedAsync([first, second], TimeSpan.FromSeconds(60));
        Assert.Equal(("serving", "serving"), ((await first.GetFromJsonAsync<HealthResponse>("/health/ready"))!.Silo,
            (await second.GetFromJsonAsync<HealthResponse>("/health/ready"))!.Silo));

        // Members enough that both silos hold some of their accounts; each written at one silo and read at the other.
        var staff = new ClearingClient(first);
        var members = Enumerable.Range(0, 8).Select(i => $"failover-{i}-" + Guid.NewGuid().ToString("N")[..6]).ToList();
        foreach (var member in members)
        {
            await staff.RegisterParticipantAsync(new RegisterParticipantRequest(member, "Failover member", ["buyer"], 1));
            await staff.DepositFundsAsync(member, 700_000, "before");
            Assert.Equal(700_000, (await second.GetFromJsonAsync<AccountResponse>($"/v1/accounts/{member}"))!.Available);
            Assert.Equal(800_000, (await new ClearingClient(second).DepositFundsAsync(member, 100_000, "via-second")).Available);
        }
        using (var stranger = standby.Client("not-a-key-of-this-cluster"))
        {
            await ProblemAssert.IsProblem(await stranger.GetAsync($"/v1/accounts/{members[0]}"), HttpStatusCode.Unauthorized, "unauthenticated");
        }
        var before = (await second.GetFromJsonAsync<ClusterResponse>("/v1/cluster", Web))!;
        Assert.Equal(2, before.Silos.Count);
        Assert.All(before.Silos, s => Assert.InRange(s.Partitions, 1, 1023));
        // Each lists the partitions it holds; together they are every partition once.
        Assert.Equal(Enumerable.Range(0, 1024), before.Silos.SelectMany(s => Expand(s.Ranges)).Order());

        await active.KillAsync();
        foreach (var member in members)
        {
            await Failover.UntilServedAsync(second, $"/v1/accounts/{member}", TimeSpan.FromSeconds(60));
            Assert.Equal(800_000, (await second.GetFromJsonAsync<AccountResponse>($"/v1/accounts/{member}"))!.Available);
        }
        var cluster = (await second.GetFromJsonAsync<ClusterResponse>("/v1/cluster", Web))!;
        Assert.Equal((1024, 1024), (cluster.Held, cluster.Serving));
        var silo = Assert.Single(cluster.Silos);
        Assert.Equal(cluster.Silo, silo.Name);
        Assert.True(silo.EpochMin >= 2, "every partition was taken in a new epoch");
        Assert.Equal(1_000_000, (await new ClearingClient(second).DepositFundsAsync(members[0], 200_000, "after")).Available);

        // The dead one stays in the membership table until the survivor, not hearing from it for two leases, declares it dead.
        var deadline = Stopwatch.StartNew();
        while ((await second.GetFromJsonAsync<ClusterResponse>("/v1/cluster", Web))!.Members.Count(m => m.Status == "dead") == 0)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), "the killed silo was never declared dead");
            await Task.Delay(100);
        }
        var rows = (await second.GetFromJsonAsync<ClusterResponse>("/v1/cluster", Web))!.Members;
        Assert.Equal(2, rows.Count);
        Assert.Equal("active", Assert.Single(rows, m => m.Self).Status);

        // Restarted, the killed one gets its share back, and serves what the other wrote meanwhile.
        await active.RestartAsync();
        using var restarted = active.Client(active.AdminKey);
        await Failover.UntilSharedAsync([restarted, second], TimeSpan.FromSeconds(60));
        foreach (var member in members)
        {
            Assert.Equal(member == members[0] ? 1_000_000 : 800_000, (await restarted.GetFromJsonAsync<AccountResponse>($"/v1/accounts/{member}"))!.Available);
        }

        // A graceful stop (SIGTERM) hands over: by the time the process has ended it holds nothing and has left, so the
        // other takes its share without waiting for leases.
        var leaving = (await second.GetFromJsonAsync<ClusterResponse>("/v1/cluster", Web))!.Silo;
        await standby.StopAsync();
        var after = (await restarted.GetFromJsonAsync<ClusterResponse>("/v1/cluster", Web))!;
        Assert.DoesNotContain(after.Silos, s => s.Name == leaving);
        Assert.Equal("dead", after.Members.Where(m => m.Name == leaving).MaxBy(m => m.Generation)!.Status);
        await Failover.UntilSharedAsync([restarted], TimeSpan.FromSeconds(60));
        foreach (var member in members)
        {
            Assert.Equal(member == members[0] ? 1_000_000 : 800_000, (await restarted.GetFromJsonAsync<AccountResponse>($"/v1/accounts/{member}"))!.Available);
        }
    }

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static IEnumerable<int> Expand(string ranges) => ranges.Split(',').SelectMany(range =>
    {
        var ends = range.Split('-').Select(int.Parse).ToArray();
        return Enumerable.Range(ends[0], ends[^1] - ends[0] + 1);
    });
}
