using ClearingCluster.Runtime.Cluster;
using ClearingCluster.Runtime.Durability;
using ClearingCluster.Silo.Commit;
using ClearingCluster.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ClearingCluster.Integration.Tests;

/// <summary>
/// Partition ownership in PostgreSQL (docs/CLUSTER.md): one owner per partition and epoch, leases on the database's
/// clock, and the commit log's fence refusing a flush of an epoch that was taken over.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PartitionOwnershipTests(TestPostgres postgres)
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(5);

    /// <summary>A flush item that only carries fences and writes one row: what a grain of the partition would commit.</summary>
    private sealed class Probe(int partition, long epoch) : CommitItem(1, [Partitions.Fence(partition, epoch)])
    {
        public long Epoch { get; } = epoch;
    }

    private sealed class ProbeWriter : CommitItemWriter<Probe>
    {
        protected override void Write(FlushContext flush, IReadOnlyList<Probe> items) =>
            flush.Add("INSERT INTO ownership_probe (epoch) SELECT * FROM unnest($1::bigint[])", null, [items.Select(i => i.Epoch).ToArray()]);
    }

    private static async Task<SiloHost> StartAsync(string database)
    {
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS ownership_probe (epoch bigint NOT NULL)", connection);
            await create.ExecuteNonQueryAsync();
        }
        // Ownership is driven by hand here: the silo's own keeper would take every partition at start.
        return await SiloHost.StartAsync(database, new Dictionary<string, string?> { ["Clearing:Cluster:KeepPartitions"] = "false" },
            s => s.AddSingleton<ICommitItemWriter, ProbeWriter>());
    }

    private static PartitionKeeper Keeper(SiloHost silo, string name, ClusterTimings? timings = null, bool exclusiveName = false) =>
        new(silo.Services.GetRequiredService<IPartitionOwnership>(), timings ?? new ClusterTimings(), name, PartitionKeeper.MonotonicMicros, exclusiveName);

    /// <summary>
    /// Balancing's statements: a silo takes, of the free partitions, only those named (its share) and those never held
    /// or free for the given while; a release records when the partition was let go.
    /// </summary>
    [Fact]
    public async Task Taking_free_partitions_can_be_limited_to_a_share_and_to_those_free_for_a_while()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var silo = await StartAsync(database);
        var ownership = silo.Services.GetRequiredService<IPartitionOwnership>();
        var all = await ownership.AcquireFreeAsync("silo-a", Partitions.Count, Long, CancellationToken.None);
        Assert.Equal(Partitions.Count, all.Count);
        Assert.Equal(2, await ownership.ReleaseAllAsync("silo-a", [all[3], all[5]], CancellationToken.None));
        var released = await ownership.ReadAsync(3, CancellationToken.None);
        Assert.Null(released.Owner);
        Assert.NotEqual(long.MinValue, released.LeaseUntilMicros);

        // Just let go: only the named one is taken; neither is free for an hour yet.
        var mine = await ownership.AcquireFreeAsync("silo-b", Partitions.Count, Long, CancellationToken.None, only: [5, 7], orFreeFor: TimeSpan.FromHours(1));
        Assert.Equal([new HeldPartition(5, 2)], mine);
        // Free for longer than the given while (zero): taken whoever's share it is.
        var any = await ownership.AcquireFreeAsync("silo-b", Partitions.Count, Long, CancellationToken.None, only: [7], orFreeFor: TimeSpan.Zero);
        Assert.Equal([new HeldPartition(3, 2)], any);
    }

    [Fact]
    public async Task A_keeper_takes_every_free_partition_another_gets_none_until_they_are_let_go_then_each_in_a_new_epoch()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var silo = await StartAsync(database);
        var a = Keeper(silo, "silo-a");
        var b = Keeper(silo, "silo-b");

        await a.KeepAsync(CancellationToken.None);
        await b.KeepAsync(CancellationToken.None);
        var (heldByA, servingA) = a.Snapshot();
        Assert.Equal(Partitions.Count, heldByA.Count);
        Assert.Equal(Partitions.Count, servingA);
        Assert.All(heldByA, h => Assert.Equal(1, h.Epoch));
        Assert.Empty(b.Snapshot().Held);

        // Renewing keeps them; letting them go hands them to the other at once, each in the next epoch.
        await a.KeepAsync(CancellationToken.None);
        Assert.Equal(Partitions.Count, a.Snapshot().Held.Count);
        await a.ReleaseAllAsync(CancellationToken.None);
        await b.KeepAsync(CancellationToken.None);
        await a.KeepAsync(CancellationToken.None);
        Assert.Empty(a.Snapshot().Held);
        Assert.Equal(0, a.Losses);
        var heldByB = b.Snapshot().Held;
        Assert.Equal(Partitions.Count, heldByB.Count);
        Assert.All(heldByB, h => Assert.Equal(2, h.Epoch));
        Assert.All((await silo.Services.GetRequiredService<IPartitionOwnership>().ReadAllAsync(CancellationToken.None)).Owners,
            o => Assert.Equal(("silo-b", 2L), (o.Owner, o.Epoch)));
    }

    /// <summary>
    /// A silo restarted under its own name (one only a single live process can bear: the host and its locked data
    /// directory) takes its partitions back in its first round, each in a new epoch, without waiting for the leases; a
    /// flush of the run before is refused; its later rounds renew them, and no other name gets them meanwhile.
    /// </summary>
    [Fact]
    public async Task A_silo_restarted_under_its_own_name_takes_its_partitions_back_at_once_in_new_epochs()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var silo = await StartAsync(database);
        var before = Keeper(silo, "host:/data/silo-r", exclusiveName: true);
        await before.KeepAsync(CancellationToken.None);
        var commit = silo.Services.GetRequiredService<GroupCommit>();
        var old = await commit.OpenWriterAsync("grain-of-5@before", CancellationToken.None);
        await old.CommitAsync(new Probe(5, 1));
        var other = Keeper(silo, "another-silo");
        await other.KeepAsync(CancellationToken.None);
        Assert.Empty(other.Snapshot().Held);

        var restarted = Keeper(silo, "host:/data/silo-r", exclusiveName: true);
        await restarted.KeepAsync(CancellationToken.None);
        Assert.Equal(Partitions.Count, restarted.Snapshot().Held.Count);
        Assert.All(restarted.Snapshot().Held, h => Assert.Equal(2, h.Epoch));
        await Assert.ThrowsAsync<StaleWriterException>(() => old.CommitAsync(new Probe(5, 1)));

        await restarted.KeepAsync(CancellationToken.None);
        Assert.All(restarted.Snapshot().Held, h => Assert.Equal(2, h.Epoch));
        Assert.Equal((0L, Partitions.Count), (restarted.Losses, restarted.Snapshot().Serving));
        await other.KeepAsync(CancellationToken.None);
        Assert.Empty(other.Snapshot().Held);
    }

    [Fact]
    public async Task Keepers_racing_for_the_free_partitions_share_them_without_overlap_each_taken_once()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var silo = await StartAsync(database);
        var keepers = Enumerable.Range(0, 4).Select(k => Keeper(silo, $"silo-{k}")).ToArray();

        await Task.WhenAll(keepers.Select(k => Task.Run(() => k.KeepAsync(CancellationToken.None))));

        var held = keepers.SelectMany(k => k.Snapshot().Held.Select(h => (k.Silo, h.Partition, h.Epoch))).ToList();
        Assert.Equal(Partitions.Count, held.Count);
        Assert.Equal(Enumerable.Range(0, Partitions.Count), held.Select(h => h.Partition).Order());
        Assert.All(held, h => Assert.Equal(1, h.Epoch));
        var (owners, _) = await silo.Services.GetRequiredService<IPartitionOwnership>().ReadAllAsync(CancellationToken.None);
        Assert.Equal(held.OrderBy(h => h.Partition).Select(h => h.Silo), owners.Select(o => o.Owner));
    }

    /// <summary>
    /// A silo that did not renew in time (paused, cut off) finds its partitions taken in a newer epoch: its next renewal
    /// is refused, it stops serving them, and a flush it still holds for one is refused by the fence.
    /// </summary>
    [Fact]
    public async Task A_keeper_that_did_not_renew_in_time_loses_its_partitions_and_its_old_epoch_cannot_commit()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var silo = await StartAsync(database);
        var shortLease = new ClusterTimings { Lease = TimeSpan.FromMilliseconds(300), RenewEvery = TimeSpan.FromMilliseconds(100) };
        var paused = Keeper(silo, "silo-paused", shortLease);
        var taker = Keeper(silo, "silo-taker");
        await paused.KeepAsync(CancellationToken.None);
        var commit = silo.Services.GetRequiredService<GroupCommit>();
        var old = await commit.OpenWriterAsync("grain-of-3@paused", CancellationToken.None);
        await old.CommitAsync(new Probe(3, 1));

        // The taker gets them only once the paused silo's leases ran out on the database's clock — and by then the paused
        // silo has stopped serving them by its own clock (its deadline counts from its send, short of the lease).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (taker.Snapshot().Held.Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(shortLease.RenewEvery);
            await taker.KeepAsync(CancellationToken.None);
        }
        Assert.Equal(0, paused.Snapshot().Serving);
        Assert.Equal(Partitions.Count, taker.Snapshot().Held.Count);

        await paused.KeepAsync(CancellationToken.None);
        Assert.Equal(Partitions.Count, paused.Losses);
        Assert.Empty(paused.Snapshot().Held);
        await Assert.ThrowsAsync<StaleWriterException>(() => old.CommitAsync(new Probe(3, 1)));
    }

    [Fact]
    public async Task Only_the_current_epochs_owner_commits_and_a_taken_over_epoch_is_refused_in_the_flush()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var silo = await StartAsync(database);
        var ownership = silo.Services.GetRequiredService<IPartitionOwnership>();
        var commit = silo.Services.GetRequiredService<GroupCommit>();

        var first = await ownership.AcquireAsync(7, "silo-a", TimeSpan.FromTicks(1), CancellationToken.None);
        Assert.Equal(1, first);
        var a = await commit.OpenWriterAsync("grain-of-7@a", CancellationToken.None);
        await a.CommitAsync(new Probe(7, 1));

        // silo-a's lease (1 tick) has run out on the database's clock: silo-b takes the partition in epoch 2.
        Assert.Equal(2, await ownership.AcquireAsync(7, "silo-b", Long, CancellationToken.None));
        Assert.Null(await ownership.RenewAsync(7, "silo-a", 1, Long, CancellationToken.None));
        // A flush silo-a still had in memory, arriving now, is refused; silo-b's commits.
        await Assert.ThrowsAsync<StaleWriterException>(() => a.CommitAsync(new Probe(7, 1)));
        var b = await commit.OpenWriterAsync("grain-of-7@b", CancellationToken.None);
        await b.CommitAsync(new Probe(7, 2));

        var probes = await ProbesAsync(database);
        Assert.Equal([1L, 2L], probes);
        Assert.Equal(new PartitionOwner(7, "silo-b", 2, (await ownership.ReadAsync(7, CancellationToken.None)).LeaseUntilMicros),
            await ownership.ReadAsync(7, CancellationToken.None));
    }

    [Fact]
    public async Task A_running_lease_keeps_others_out_renewal_extends_it_and_a_release_lets_the_next_in_at_once()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var silo = await StartAsync(database);
        var ownership = silo.Services.GetRequiredService<IPartitionOwnership>();

        Assert.Equal(1, await ownership.AcquireAsync(3, "silo-a", Long, CancellationToken.None));
        Assert.Null(await ownership.AcquireAsync(3, "silo-b", Long, CancellationToken.None));
        Assert.Null(await ownership.AcquireAsync(3, "silo-a", Long, CancellationToken.None));
        Assert.Equal(1, await ownership.RenewAsync(3, "silo-a", 1, Long, CancellationToken.None));
        Assert.Null(await ownership.RenewAsync(3, "silo-b", 1, Long, CancellationToken.None));
        Assert.False(await ownership.ReleaseAsync(3, "silo-b", 1, CancellationToken.None));

        Assert.True(await ownership.ReleaseAsync(3, "silo-a", 1, CancellationToken.None));
        Assert.Equal(2, await ownership.AcquireAsync(3, "silo-b", Long, CancellationToken.None));
        Assert.False(await ownership.ReleaseAsync(3, "silo-a", 1, CancellationToken.None));
        // Another partition is untouched.
        Assert.Equal(PartitionOwner.Unowned(4), await ownership.ReadAsync(4, CancellationToken.None));
    }

    [Fact]
    public async Task Silos_racing_for_a_free_partition_leave_exactly_one_owner()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var silo = await StartAsync(database);
        var ownership = silo.Services.GetRequiredService<IPartitionOwnership>();

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(s => ownership.AcquireAsync(11, $"silo-{s}", Long, CancellationToken.None)));

        var winner = Assert.Single(results.Select((epoch, s) => (epoch, s)), r => r.epoch is not null);
        Assert.Equal(1, winner.epoch);
        Assert.Equal($"silo-{winner.s}", (await ownership.ReadAsync(11, CancellationToken.None)).Owner);
    }

    private static async Task<long[]> ProbesAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT epoch FROM ownership_probe ORDER BY epoch", connection);
        var epochs = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            epochs.Add(reader.GetInt64(0));
        }
        return [.. epochs];
    }
}
