using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClearingCluster.Client;
using ClearingCluster.TestSupport;
using ClearingCluster.Wire;

namespace ClearingCluster.EndToEnd.Tests;

/// <summary>
/// Two silos on one database, each its own process: the one holding every partition is killed with SIGKILL, and the
/// standby takes them over once their leases ran out on the database's clock (new epochs), serving what the dead one
/// acknowledged. While standing by, a silo forwards API requests to the holder; the killed one, restarted, holds nothing
/// while the other lives, and forwards to it.
/// </summary>
public sealed class FailoverTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task A_killed_silos_partitions_are_served_by_the_standby_after_their_leases_with_nothing_lost()
    {
        var configuration = AppContext.BaseDirectory.Contains("/bin/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        await using var active = await GatewayProcess.StartAsync(configuration, Failover.Leases(Lease));
        await using var standby = await Failover.StartStandbyAsync(active, Lease, configuration);
        using var first = active.Client(active.AdminKey);
        using var second = standby.Client(active.AdminKey);
        var staff = new ClearingClient(first);
        var member = "failover-" + Guid.NewGuid().ToString("N")[..8];
        await staff.RegisterParticipantAsync(new RegisterParticipantRequest(member, "Failover member", ["buyer"], 1));
        await staff.DepositFundsAsync(member, 700_000, "before");

        Assert.Equal((1024, 0), await HeldAsync(first, second));
        Assert.Equal(("serving", "standby"), ((await first.GetFromJsonAsync<HealthResponse>("/health/ready"))!.Silo,
            (await second.GetFromJsonAsync<HealthResponse>("/health/ready"))!.Silo));
        // The standby serves nothing itself and forwards API requests to the holder: a client may enter at either silo.
        var path = $"/v1/accounts/{member}";
        Assert.Equal(700_000, (await second.GetFromJsonAsync<AccountResponse>(path))!.Available);
        Assert.Equal(800_000, (await new ClearingClient(second).DepositFundsAsync(member, 100_000, "via-standby")).Available);
        // Forwarded as it came: the holder authenticates it.
        using (var stranger = standby.Client("not-a-key-of-this-cluster"))
        {
            await ProblemAssert.IsProblem(await stranger.GetAsync(path), HttpStatusCode.Unauthorized, "unauthenticated");
        }

        await active.KillAsync();
        await Failover.UntilServedAsync(second, path, TimeSpan.FromSeconds(60));

        Assert.Equal(800_000, (await second.GetFromJsonAsync<AccountResponse>(path))!.Available);
        var cluster = (await second.GetFromJsonAsync<ClusterResponse>("/v1/cluster", Web))!;
        Assert.Equal((1024, 1024), (cluster.Held, cluster.Serving));
        var silo = Assert.Single(cluster.Silos);
        Assert.Equal(cluster.Silo, silo.Name);
        Assert.True(silo.EpochMin >= 2, "every partition was taken in a new epoch");
        Assert.Equal(1_000_000, (await new ClearingClient(second).DepositFundsAsync(member, 200_000, "after")).Available);

        // The dead one stays in the membership table until the survivor, not hearing from it for two leases, declares it dead.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while ((await second.GetFromJsonAsync<ClusterResponse>("/v1/cluster", Web))!.Members.Count(m => m.Status == "dead") == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the killed silo was never declared dead");
            await Task.Delay(100);
        }
        var members = (await second.GetFromJsonAsync<ClusterResponse>("/v1/cluster", Web))!.Members;
        Assert.Equal(2, members.Count);
        Assert.Equal("active", Assert.Single(members, m => m.Self).Status);

        // Restarted, the dead one's successor holds nothing while the other lives, and forwards to it.
        await active.RestartAsync();
        using var restarted = active.Client(active.AdminKey);
        Assert.Equal((0, 1024), await HeldAsync(restarted, second));
        Assert.Equal("standby", (await restarted.GetFromJsonAsync<HealthResponse>("/health/ready"))!.Silo);
        Assert.Equal(1_000_000, (await restarted.GetFromJsonAsync<AccountResponse>(path))!.Available);
    }

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static async Task<(int, int)> HeldAsync(HttpClient a, HttpClient b) =>
        ((await a.GetFromJsonAsync<ClusterResponse>("/v1/cluster", Web))!.Held, (await b.GetFromJsonAsync<ClusterResponse>("/v1/cluster", Web))!.Held);
}
