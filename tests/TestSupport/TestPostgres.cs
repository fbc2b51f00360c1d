using ClearingCluster.Silo.Database;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit;

namespace ClearingCluster.TestSupport;

/// <summary>
/// A throwaway PostgreSQL for one test assembly, started with the same mechanism as the silo's embedded server
/// (as the postgres user when root), on a free port, in a temporary directory deleted at the end. Tests that need
/// a pristine schema take a database of their own with <see cref="CreateDatabaseAsync"/>.
/// </summary>
public sealed class TestPostgres : IAsyncLifetime
{
    private EmbeddedPostgres? server;

    public string ConnectionString => server?.ConnectionString ?? throw new InvalidOperationException("not started");

    /// <summary>An outage: the server stops, its data stays.</summary>
    public Task StopServerAsync() => server!.PauseAsync();

    public Task StartServerAsync() => server!.ResumeAsync();

    public async Task InitializeAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "clearingcluster-tests", Guid.NewGuid().ToString("N"));
        server = new EmbeddedPostgres(
            new EmbeddedPostgresOptions { DataDirectory = directory, Port = EmbeddedPostgres.FreePort(), Durable = false, DeleteOnStop = true },
            NullLogger.Instance);
        await server.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.StopAsync();
        }
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "t_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }
}
