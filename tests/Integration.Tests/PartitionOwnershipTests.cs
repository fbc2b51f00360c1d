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
        return await SiloHost.StartAsync(database, services: s => s.AddSingleton<ICommitItemWriter, ProbeWriter>());
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
