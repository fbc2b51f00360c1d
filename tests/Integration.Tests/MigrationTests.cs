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
}
