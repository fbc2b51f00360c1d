using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ClearingCluster.Silo.Database;

/// <summary>
/// A project-local PostgreSQL server run from the machine's PostgreSQL binaries: created on first start,
/// started, and stopped again by whoever started it. PostgreSQL refuses to run as root, so as root the server
/// runs as the <c>postgres</c> OS user; if that user cannot reach the requested data directory (a clone under
/// /root, say) the data lives under /var/lib/postgresql/clearingcluster and the requested path links to it.
/// </summary>
public sealed class EmbeddedPostgres(EmbeddedPostgresOptions options, ILogger logger) : IAsyncDisposable
{
    public const string ServiceUser = "postgres";

    /// <summary>How many times a start is tried before the silo gives up (2 s apart).</summary>
    public const int StartAttemptsMax = 5;
    private const string Database = "clearing";

    private string? binDirectory;
    private string? dataDirectory;
    private bool startedHere;

    public string ConnectionString =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = options.Port,
            Username = ServiceUser,
            Database = Database,
            MaxPoolSize = 64,
        }.ConnectionString;

    public string DataDirectory => dataDirectory ?? options.DataDirectory;

    public static bool RunningAsRoot => OperatingSystem.IsLinux() && geteuid() == 0;

    /// <summary>The highest installed PostgreSQL's bin directory, or null when none is installed.</summary>
    public static string? FindBinaries()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("CLEARING_PG_BIN");
        if (!string.IsNullOrEmpty(fromEnvironment) && File.Exists(Path.Combine(fromEnvironment, "pg_ctl")))
        {
            return fromEnvironment;
        }
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root))
        {
            return null;
        }
        return Directory.GetDirectories(root)
            .Select(d => (Dir: d, Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
            .Where(d => File.Exists(Path.Combine(d.Dir, "bin", "pg_ctl")))
            .OrderByDescending(d => d.Version)
            .Select(d => Path.Combine(d.Dir, "bin"))
            .FirstOrDefault();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        binDirectory = FindBinaries() ?? throw new InvalidOperationException(
            "no PostgreSQL server binaries found under /usr/lib/postgresql; install them with: apt-get install -y postgresql (or run ./cluster up as root)");
        var asUser = RunningAsRoot ? ServiceUser : null;
        dataDirectory = await PrepareDataDirectoryAsync(asUser, cancellationToken);

        if (!File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            logger.LogInformation("creating a PostgreSQL cluster in {DataDirectory}", dataDirectory);
            await RunAsync("initdb", ["-D", dataDirectory, "-U", ServiceUser, "--auth=trust", "--encoding=UTF8", "--no-locale"], asUser, cancellationToken);
            await File.AppendAllTextAsync(Path.Combine(dataDirectory, "postgresql.conf"), ServerSettings(), cancellationToken);
        }

        if (await IsRunningAsync(asUser, cancellationToken))
        {
            // Left running by a process that was killed: adopt it, and stop it on shutdown like one started here.
            startedHere = true;
            logger.LogInformation("PostgreSQL in {DataDirectory} is already running; using it", dataDirectory);
        }
        else
        {
            var settings = $"-p {options.Port}" + (options.Durable ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
            // After a crash the old server's processes may still be going away, holding its shared memory: a start
            // refused for that succeeds a moment later.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await RunAsync("pg_ctl", ["-D", dataDirectory, "-l", Path.Combine(dataDirectory, "server.log"), "-w", "-t", "60", "-o", settings, "start"], asUser,
                        cancellationToken);
                    break;
                }
                catch (InvalidOperationException error) when (attempt < StartAttemptsMax)
                {
                    logger.LogWarning("PostgreSQL did not start (attempt {Attempt} of {Max}): {Error}", attempt, StartAttemptsMax, error.Message);
                    await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
                }
            }
            startedHere = true;
            logger.LogInformation("started PostgreSQL on 127.0.0.1:{Port} (data in {DataDirectory})", options.Port, dataDirectory);
        }

        await CreateDatabaseAsync(cancellationToken);
    }

    public async Task StopAsync()
    {
        if (!startedHere || dataDirectory is null)
        {
            return;
        }
        await PauseAsync();
        if (options.DeleteOnStop)
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    /// <summary>Starts the server again if it has stopped while this process owns it; true when it had to.</summary>
    public async Task<bool> EnsureRunningAsync(CancellationToken cancellationToken)
    {
        if (!startedHere || dataDirectory is null || await IsRunningAsync(RunningAsRoot ? ServiceUser : null, cancellationToken))
        {
            return false;
        }
        await StartAsync(cancellationToken);
        return true;
    }

    /// <summary>Stops the server but keeps its data, as an outage would; <see cref="ResumeAsync"/> starts it again.</summary>
    public async Task PauseAsync()
    {
        startedHere = false;
        await RunAsync("pg_ctl", ["-D", dataDirectory!, "-m", "fast", "-w", "-t", "60", "stop"], RunningAsRoot ? ServiceUser : null, CancellationToken.None);
        logger.LogInformation("stopped PostgreSQL (data in {DataDirectory})", dataDirectory);
    }

    public Task ResumeAsync() => StartAsync(CancellationToken.None);

    public ValueTask DisposeAsync() => new(StopAsync());

    private static string ServerSettings() => """

        # Written by ClearingCluster's embedded PostgreSQL.
        listen_addresses = '127.0.0.1'
        unix_socket_directories = ''
        max_connections = 200
        shared_buffers = 512MB
        wal_buffers = 16MB
        max_wal_size = 4GB
        checkpoint_timeout = 15min
        logging_collector = off

        """;

    private async Task<string> PrepareDataDirectoryAsync(string? asUser, CancellationToken cancellationToken)
    {
        var requested = Path.GetFullPath(options.DataDirectory);
        if (Directory.Exists(requested) && new DirectoryInfo(requested).LinkTarget is { } linked)
        {
            requested = Path.GetFullPath(linked, Path.GetDirectoryName(requested)!);
        }
        Directory.CreateDirectory(requested);
        if (asUser is null)
        {
            return requested;
        }

        await RunAsync("chown", ["-R", $"{asUser}:{asUser}", requested], null, cancellationToken);
        if (await CanReachAsync(requested, asUser, cancellationToken))
        {
            return requested;
        }

        // The service user cannot traverse a parent (a clone under /root, say): keep the data where it can.
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(requested)))[..12];
        var relocated = Path.Combine("/var/lib/postgresql/clearingcluster", hash);
        Directory.CreateDirectory(relocated);
        await RunAsync("chown", ["-R", $"{asUser}:{asUser}", "/var/lib/postgresql/clearingcluster"], null, cancellationToken);
        Directory.Delete(requested);
        Directory.CreateSymbolicLink(requested, relocated);
        logger.LogInformation("user {User} cannot reach {Requested}; PostgreSQL data lives in {Relocated} (linked)", asUser, requested, relocated);
        return relocated;
    }

    private static async Task<bool> CanReachAsync(string directory, string asUser, CancellationToken cancellationToken)
    {
        try
        {
            await ProcessRunner.RunAsync("test", ["-w", directory, "-a", "-x", directory], asUser, cancellationToken);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private async Task<bool> IsRunningAsync(string? asUser, CancellationToken cancellationToken)
    {
        if (!File.Exists(Path.Combine(dataDirectory!, "postmaster.pid")))
        {
            return false;
        }
        try
        {
            await RunAsync("pg_ctl", ["-D", dataDirectory!, "status"], asUser, cancellationToken);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
        // A postmaster killed and not yet reaped (its parent gone, nobody reaping orphans) still answers pg_ctl's
        // kill(pid, 0): seen as running, it would be adopted and never answer. Its lock file goes, and it is started anew.
        var pidFile = Path.Combine(dataDirectory!, "postmaster.pid");
        if (int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var postmaster) && IsDead(postmaster))
        {
            logger.LogWarning("PostgreSQL's postmaster {Pid} is dead but not reaped; its lock file is removed and the server started again", postmaster);
            File.Delete(pidFile);
            return false;
        }
        return true;
    }

    /// <summary>Whether the process is gone or a zombie (state Z or X in /proc).</summary>
    private static bool IsDead(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].FirstOrDefault();
            return state is 'Z' or 'X';
        }
        catch (IOException)
        {
            return true;
        }
    }

    private async Task CreateDatabaseAsync(CancellationToken cancellationToken)
    {
        var admin = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand($"SELECT 1 FROM pg_database WHERE datname = '{Database}'", connection);
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE {Database}", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private Task<string> RunAsync(string tool, IReadOnlyList<string> arguments, string? asUser, CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync(tool.Contains('/') || tool is "chown" ? tool : Path.Combine(binDirectory!, tool), arguments, asUser, cancellationToken);

    [DllImport("libc", SetLastError = false)]
    private static extern uint geteuid();
}

public sealed class EmbeddedPostgresOptions
{
    public string DataDirectory { get; set; } = Path.Combine(".data", "pg");

    public int Port { get; set; } = 5433;

    /// <summary>fsync on; off only for throwaway test clusters, where speed matters and a power loss does not.</summary>
    public bool Durable { get; set; } = true;

    public bool DeleteOnStop { get; set; }
}
