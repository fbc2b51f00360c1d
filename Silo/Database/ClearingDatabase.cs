using ClearingCluster.Silo.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ClearingCluster.Silo.Database;

/// <summary>
/// The silo's PostgreSQL: the configured one, or a project-local server it starts; migrated at start.
/// Everything that talks to the database takes its <see cref="DataSource"/> from here.
/// </summary>
public sealed class ClearingDatabase(ClearingOptions options, ILoggerFactory loggers) : IAsyncDisposable
{
    private readonly ILogger logger = loggers.CreateLogger<ClearingDatabase>();
    private EmbeddedPostgres? embedded;
    private DataDirectoryLock? ownership;
    private CancellationTokenSource? supervision;
    private Task supervisor = Task.CompletedTask;

    /// <summary>How often the embedded server is checked, and started again if it died.</summary>
    public static readonly TimeSpan SupervisionPeriod = TimeSpan.FromSeconds(2);
    private NpgsqlDataSource? dataSource;
    private NpgsqlDataSource? commitDataSource;

    public NpgsqlDataSource DataSource => dataSource ?? throw new InvalidOperationException("the database has not been started");

    /// <summary>
    /// The commit log's own connections, used only synchronously from its thread: a socket never used asynchronously
    /// stays in blocking mode, so a flush waits in the kernel for PostgreSQL's answer rather than for the socket event
    /// thread to wake it. Nothing else may use them.
    /// </summary>
    public NpgsqlDataSource CommitDataSource => commitDataSource ?? throw new InvalidOperationException("the database has not been started");

    public bool IsStarted => dataSource is not null;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var connectionString = options.ConnectionString;
        if (connectionString is null)
        {
            // Before anything is touched: a second process on the same data would adopt, then stop, the first one's server.
            ownership = DataDirectoryLock.Acquire(options.DataDirectory);
            embedded = new EmbeddedPostgres(
                new EmbeddedPostgresOptions
                {
                    DataDirectory = Path.Combine(options.DataDirectory, "pg"),
                    Port = options.PostgresPort,
                    Durable = options.PostgresDurable,
                },
                logger);
            await embedded.StartAsync(cancellationToken);
            connectionString = embedded.ConnectionString;
        }

        // Hot statements (the commit log's, the meters' lookups) run thousands of times a second: prepared once per
        // connection after their second use, they skip parsing and planning.
        dataSource = new NpgsqlDataSourceBuilder(connectionString)
        {
            ConnectionStringBuilder = { MaxAutoPrepare = 64, AutoPrepareMinUsages = 2 },
        }.Build();
        commitDataSource = new NpgsqlDataSourceBuilder(connectionString)
        {
            ConnectionStringBuilder = { MaxAutoPrepare = 64, AutoPrepareMinUsages = 2, MaxPoolSize = 2, NoResetOnClose = true, ApplicationName = "commit-log" },
        }.Build();
        var applied = await new MigrationRunner(dataSource, loggers.CreateLogger<MigrationRunner>()).ApplyAsync(Migration.Embedded(), cancellationToken);
        logger.LogInformation("database ready ({Applied} migrations applied now)", applied);
        if (embedded is not null)
        {
            supervision = new CancellationTokenSource();
            supervisor = SuperviseAsync(embedded, supervision.Token);
        }
    }

    public async Task<bool> IsReachableAsync(CancellationToken cancellationToken)
    {
        if (dataSource is null)
        {
            return false;
        }
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            return await command.ExecuteScalarAsync(cancellationToken) is 1;
        }
        catch (Exception error) when (error is NpgsqlException or TimeoutException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>The embedded server is this process's to keep up: if it dies, it is started again, and readiness comes back.</summary>
    private async Task SuperviseAsync(EmbeddedPostgres server, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(SupervisionPeriod);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                try
                {
                    if (await server.EnsureRunningAsync(stopping))
                    {
                        logger.LogWarning("the embedded PostgreSQL had stopped; it was started again");
                    }
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    logger.LogError(error, "the embedded PostgreSQL is down and could not be started again; retrying");
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    public async Task StopAsync()
    {
        if (supervision is not null)
        {
            await supervision.CancelAsync();
            await supervisor;
        }
        if (dataSource is not null)
        {
            await dataSource.DisposeAsync();
            dataSource = null;
        }
        if (commitDataSource is not null)
        {
            commitDataSource.Dispose();
            commitDataSource = null;
        }
        if (embedded is not null)
        {
            await embedded.StopAsync();
            embedded = null;
        }
        ownership?.Dispose();
        ownership = null;
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}
