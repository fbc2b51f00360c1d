using ClearingCluster.Silo.Database;
using ClearingCluster.Silo.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ClearingCluster.Integration.Tests;

public sealed class EmbeddedPostgresTests
{
    [Fact]
    public async Task Without_a_configured_database_the_silo_creates_starts_migrates_and_stops_its_own()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "clearingcluster-tests", Guid.NewGuid().ToString("N"));
        var options = new ClearingOptions { DataDirectory = dataDirectory, PostgresPort = EmbeddedPostgres.FreePort(), PostgresDurable = false };
        var database = new ClearingDatabase(options, NullLoggerFactory.Instance);

        await database.StartAsync(CancellationToken.None);
        Assert.True(await database.IsReachableAsync(CancellationToken.None));
        Assert.True(File.Exists(Path.Combine(dataDirectory, "pg", "PG_VERSION")));
        await using (var command = database.DataSource.CreateCommand("SELECT count(*) FROM schema_migrations"))
        {
            Assert.Equal((long)Migration.Embedded().Count, await command.ExecuteScalarAsync());
        }

        await database.StopAsync();
        var connectionString = $"Host=127.0.0.1;Port={options.PostgresPort};Username=postgres;Database=clearing;Pooling=false;Timeout=2";
        await using var afterStop = new NpgsqlConnection(connectionString);
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => afterStop.OpenAsync());
        Directory.Delete(dataDirectory, recursive: true);
    }
}
