using System.Net;
using System.Net.Http.Json;
using ClearingCluster.Interfaces.Accounts;
using ClearingCluster.Runtime;
using ClearingCluster.Runtime.Cluster;
using ClearingCluster.TestSupport;
using ClearingCluster.Wire;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ClearingCluster.EndToEnd.Tests;

/// <summary>
/// Partition ownership enforced, through the Gateway on PostgreSQL: once another silo has taken a partition (as it may
/// when this one was paused past its lease), nothing this silo still holds in memory for the partition's grains
/// commits, and it answers their calls 503 <c>moved</c> until it holds the partition again, in a new epoch, with a new
/// activation reading what is stored. Other partitions are served throughout.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class PartitionFencingTests(GatewayFixture fixture)
{
    [Fact]
    public async Task A_silo_commits_nothing_for_a_partition_taken_from_it_answers_moved_and_serves_it_again_once_it_holds_it()
    {
        var database = await fixture.Postgres.CreateDatabaseAsync();
        // Leases long enough that the silo's own renew loop stays out of the way: the test plays its rounds.
        await using var gateway = GatewayFactory.Start(database, GatewayFixture.AdminKey, settings: new Dictionary<string, string>
        {
            ["Clearing:Cluster:Lease"] = "00:10:00",
            ["Clearing:Cluster:RenewEvery"] = "00:05:00",
        });
        var exchange = new Exchange(gateway, GatewayFixture.AdminKey);
        var accounts = gateway.Services.GetRequiredService<GrainTypeRegistry>().TypeNameFor(typeof(IAccountGrain));
        var (buyer, _) = await exchange.MemberAsync("fenced", "buyer");
        var partition = Partitions.Of(new GrainId(accounts, buyer));
        string bystander;
        do
        {
            (bystander, _) = await exchange.MemberAsync("bystander", "buyer");
        }
        while (Partitions.Of(new GrainId(accounts, bystander)) == partition);
        await exchange.DepositAsync(buyer, 1_000_000, "first");

        // Another silo takes the partition, as it may once this silo's lease ran out (paused, cut off): epoch + 1.
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var expire = new NpgsqlCommand("UPDATE partition_owner SET lease_until = clock_timestamp() - interval '1 second' WHERE partition_id = $1", connection);
            expire.Parameters.Add(new NpgsqlParameter { Value = partition });
            Assert.Equal(1, await expire.ExecuteNonQueryAsync());
        }
        var ownership = gateway.Services.GetRequiredService<IPartitionOwnership>();
        var thief = await ownership.AcquireAsync(partition, "silo-thief", TimeSpan.FromMinutes(10), CancellationToken.None);
        Assert.Equal(2, thief);

        // The account's activation is still in memory, in epoch 1: the flush of its deposit is refused, nothing stands.
        var refused = await exchange.Admin.PostAsJsonAsync($"/v1/accounts/{buyer}/deposits", new MoveRequest(500_000, "while-taken"));
        await ProblemAssert.IsProblem(refused, HttpStatusCode.ServiceUnavailable, "moved");
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal(1_000_000, await StoredAvailableAsync(database, buyer));

        // The silo's next round finds the lease lost: it answers the partition's grains `moved`, not from memory; others it serves.
        var keeper = gateway.Services.GetRequiredService<PartitionKeeper>();
        await keeper.KeepAsync(CancellationToken.None);
        Assert.Equal(1, keeper.Losses);
        Assert.Equal(Partitions.Count - 1, keeper.Snapshot().Held.Count);
        var moved = await exchange.Admin.GetAsync($"/v1/accounts/{buyer}");
        var detail = await ProblemAssert.IsProblem(moved, HttpStatusCode.ServiceUnavailable, "moved");
        Assert.Contains($"partition {partition}", detail);
        Assert.Equal(200_000, (await exchange.DepositAsync(bystander, 200_000, "served")).Available);
        Assert.Equal(1_000_000, await StoredAvailableAsync(database, buyer));
        var metrics = await exchange.Admin.GetStringAsync("/metrics");
        Assert.Matches(@"(?m)^grain_calls_moved_total(\{[^}]*\})? [1-9]", metrics);

        // The other silo lets it go: this one takes it in epoch 3, and a new activation reads what is stored.
        Assert.True(await ownership.ReleaseAsync(partition, "silo-thief", 2, CancellationToken.None));
        await keeper.KeepAsync(CancellationToken.None);
        Assert.Equal(3, keeper.ServingEpoch(partition));
        Assert.Equal(1_300_000, (await exchange.DepositAsync(buyer, 300_000, "after")).Available);
        Assert.Equal(1_300_000, await StoredAvailableAsync(database, buyer));
    }

    private static Task<long> StoredAvailableAsync(string database, string account) =>
        Sql.LongAsync(database, "SELECT available_micros FROM accounts WHERE id = $1", account);
}
