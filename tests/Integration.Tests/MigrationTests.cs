using ClearingCluster.Silo.Database;
using ClearingCluster.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ClearingCluster.Integration.Tests;

[Collection(PostgresCollection.Name)]
public sealed class MigrationTests(TestPostgres postgres)
{
    [Fact]
    public async Task Processes_starting_at_once_apply_each_migration_exactly_once()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var migrations = Migration.Embedded();
        var sources = Enumerable.Range(0, 4).Select(_ => NpgsqlDataSource.Create(connectionString)).ToList();

        var applied = await Task.WhenAll(sources.Select(s => Task.Run(() =>
            new MigrationRunner(s, NullLogger<MigrationRunner>.Instance).ApplyAsync(migrations, CancellationToken.None))));

        Assert.Equal(migrations.Count, applied.Sum());
        await using var count = sources[0].CreateCommand("SELECT count(*) FROM schema_migrations");
        Assert.Equal((long)migrations.Count, await count.ExecuteScalarAsync());
        Assert.Equal(0, await new MigrationRunner(sources[0], NullLogger<MigrationRunner>.Instance).ApplyAsync(migrations, CancellationToken.None));
        foreach (var source in sources)
        {
            await source.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_migration_edited_after_it_was_applied_stops_the_start()
    {
        await using var source = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        var runner = new MigrationRunner(source, NullLogger<MigrationRunner>.Instance);
        await runner.ApplyAsync(Migration.Embedded(), CancellationToken.None);

        var edited = Migration.Embedded().Select(m => m.Version == 1 ? m with { Sql = m.Sql + "\n-- edited" } : m).ToList();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => runner.ApplyAsync(edited, CancellationToken.None));
        Assert.Contains("changed after it was applied", error.Message);
    }

    [Fact]
    public void Embedded_migrations_are_numbered_without_gaps()
    {
        var versions = Migration.Embedded().Select(m => m.Version).ToList();

        Assert.Equal(Enumerable.Range(1, versions.Count), versions);
    }

    [Fact]
    public async Task Usage_recorded_before_cycle_partitions_moves_into_its_cycles_partitions()
    {
        await using var source = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        var runner = new MigrationRunner(source, NullLogger<MigrationRunner>.Instance);
        var all = Migration.Embedded();
        await runner.ApplyAsync([.. all.Where(m => m.Version < 11)], CancellationToken.None);
        await using (var seed = source.CreateCommand("""
            INSERT INTO clearing_cycles (id, number, status, opened_at, cut_at) VALUES ('c2', 2, 'cut_off', now(), now());
            INSERT INTO usage_records (cycle_id, contract_id, shard, first_at, last_at, record_count, units, producers, records)
            SELECT cycle, 'K-' || n, 0, now(), now(), 1, 1, '{p}', '\x00'::bytea
            FROM unnest(ARRAY['c1', 'c1', 'c2', 'bench']) WITH ORDINALITY AS t(cycle, n)
            """))
        {
            await seed.ExecuteNonQueryAsync();
        }

        await runner.ApplyAsync(all, CancellationToken.None);

        await using var check = source.CreateCommand("""
            SELECT tableoid::regclass::text, count(*) FROM usage_records GROUP BY 1 ORDER BY 1
            """);
        var partitions = new List<(string, long)>();
        await using (var reader = await check.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                partitions.Add((reader.GetString(0), reader.GetInt64(1)));
            }
        }
        Assert.Equal([("usage_records_c1", 2L), ("usage_records_c2", 1L), ($"usage_records_x{Md5("bench")}", 1L)], partitions);
        // Every cycle has its partition, and no default is left to catch what a missing one would let through.
        await using var defaults = source.CreateCommand("SELECT count(*) FROM pg_partitioned_table WHERE partrelid = 'usage_records'::regclass AND partdefid <> 0");
        Assert.Equal(0L, (long)(await defaults.ExecuteScalarAsync())!);
    }

    private static string Md5(string text) => Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
}
