using System.Diagnostics;
using ClearingCluster.Silo.Database;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ClearingCluster.TestSupport;

/// <summary>
/// A small network built by a test and torn down after it: a bridge in this namespace, one Linux network namespace per
/// host joined to it by a veth pair (10.201.0.11, .12, …), and PostgreSQL in a namespace of its own on the same bridge
/// (10.201.0.2). A test can cut a host off from the database only, or two hosts from each other only, with black-hole
/// routes in their namespaces; the test's own traffic still flows. Needs root and iproute2.
/// </summary>
public sealed class NetworkLab : IAsyncDisposable
{
    public const string DatabaseAddress = "10.201.0.2";
    private const string DatabaseNamespace = "cc-db";
    private const string Bridge = "ccbr0";
    private const string BridgeAddress = "10.201.0.1";

    private readonly List<string> hosts;
    private EmbeddedPostgres? database;
    private Process? postmaster;

    private NetworkLab(List<string> hosts) => this.hosts = hosts;

    /// <summary>Why the lab cannot be built here, or null when it can.</summary>
    public static string? Unavailable() =>
        !EmbeddedPostgres.RunningAsRoot ? "network namespaces need root"
        : !File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip") ? "iproute2 (ip) is not installed"
        : null;

    /// <summary>The database as the hosts reach it.</summary>
    public string ConnectionString { get; private set; } = "";

    public static async Task<NetworkLab> CreateAsync(params string[] names)
    {
        var lab = new NetworkLab([.. names]);
        try
        {
            await lab.BuildAsync();
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
        return lab;
    }

    public string AddressOf(string host) => $"10.201.0.{11 + hosts.IndexOf(host)}";

    /// <summary>The command line that runs <paramref name="command"/> inside <paramref name="host"/>'s namespace.</summary>
    public static IReadOnlyList<string> Inside(string host, IEnumerable<string> command) => ["netns", "exec", Namespace(host), .. command];

    public Task CutFromDatabaseAsync(string host) => IpAsync("netns", "exec", Namespace(host), "ip", "route", "replace", "blackhole", DatabaseAddress + "/32");

    public Task RestoreDatabaseAsync(string host) => IpAsync("netns", "exec", Namespace(host), "ip", "route", "del", DatabaseAddress + "/32");

    /// <summary>Cuts the two silos off from each other only (black-hole routes both ways); each still reaches PostgreSQL and the test.</summary>
    public async Task CutBetweenAsync(string host, string other)
    {
        await IpAsync("netns", "exec", Namespace(host), "ip", "route", "replace", "blackhole", AddressOf(other) + "/32");
        await IpAsync("netns", "exec", Namespace(other), "ip", "route", "replace", "blackhole", AddressOf(host) + "/32");
    }

    public async Task RestoreBetweenAsync(string host, string other)
    {
        await IpAsync("netns", "exec", Namespace(host), "ip", "route", "del", AddressOf(other) + "/32");
        await IpAsync("netns", "exec", Namespace(other), "ip", "route", "del", AddressOf(host) + "/32");
    }

    private async Task BuildAsync()
    {
        await TearDownAsync();
        await IpAsync("link", "add", Bridge, "type", "bridge");
        await IpAsync("addr", "add", BridgeAddress + "/24", "dev", Bridge);
        await IpAsync("link", "set", Bridge, "up");
        foreach (var host in hosts)
        {
            await JoinAsync(Namespace(host), AddressOf(host));
        }
        await JoinAsync(DatabaseNamespace, DatabaseAddress);

        // PostgreSQL (fsync on) made and set up here, then run inside its namespace on its address, trusting the lab.
        var port = EmbeddedPostgres.FreePort();
        database = new EmbeddedPostgres(new EmbeddedPostgresOptions
        {
            DataDirectory = Path.Combine(Path.GetTempPath(), "clearingcluster-lab", Guid.NewGuid().ToString("N")),
            Port = port,
        }, NullLogger.Instance);
        await database.StartAsync(CancellationToken.None);
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var listen = new NpgsqlCommand($"ALTER SYSTEM SET listen_addresses = '{DatabaseAddress}'", connection);
            await listen.ExecuteNonQueryAsync();
        }
        await File.AppendAllTextAsync(Path.Combine(database.DataDirectory, "pg_hba.conf"), "\nhost all all 10.201.0.0/16 trust\n");
        await database.PauseAsync();
        var start = new ProcessStartInfo("ip") { UseShellExecute = false };
        foreach (var argument in (string[])["netns", "exec", DatabaseNamespace, "setpriv", $"--reuid={EmbeddedPostgres.ServiceUser}",
            $"--regid={EmbeddedPostgres.ServiceUser}", "--init-groups", Path.Combine(EmbeddedPostgres.FindBinaries()!, "postgres"),
            "-D", database.DataDirectory, "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            start.ArgumentList.Add(argument);
        }
        postmaster = Process.Start(start);
        ConnectionString = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Host = DatabaseAddress }.ConnectionString;
        await UntilDatabaseAnswersAsync();
    }

    /// <summary>A namespace joined to the bridge by a veth pair, with <paramref name="address"/> on its end.</summary>
    private static async Task JoinAsync(string ns, string address)
    {
        var (outside, inside) = ($"{ns}-h", $"{ns}-n");
        await IpAsync("netns", "add", ns);
        await IpAsync("link", "add", outside, "type", "veth", "peer", "name", inside);
        await IpAsync("link", "set", outside, "master", Bridge, "up");
        await IpAsync("link", "set", inside, "netns", ns);
        await IpAsync("netns", "exec", ns, "ip", "link", "set", "lo", "up");
        await IpAsync("netns", "exec", ns, "ip", "addr", "add", address + "/24", "dev", inside);
        await IpAsync("netns", "exec", ns, "ip", "link", "set", inside, "up");
    }

    private async Task UntilDatabaseAnswersAsync()
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString);
                await connection.OpenAsync();
                return;
            }
            catch (Exception error) when (error is NpgsqlException or TimeoutException && waited.Elapsed < TimeSpan.FromSeconds(60))
            {
                if (postmaster is { HasExited: true })
                {
                    throw new InvalidOperationException($"PostgreSQL in namespace {DatabaseNamespace} exited ({postmaster.ExitCode})");
                }
                await Task.Delay(100);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (postmaster is not null)
        {
            if (!postmaster.HasExited)
            {
                // SIGINT: PostgreSQL's fast shutdown.
                using var interrupt = Process.Start("kill", ["-INT", postmaster.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                await interrupt.WaitForExitAsync();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                await postmaster.WaitForExitAsync(timeout.Token);
            }
            postmaster.Dispose();
        }
        if (database is not null && Directory.Exists(database.DataDirectory))
        {
            Directory.Delete(database.DataDirectory, recursive: true);
        }
        await TearDownAsync();
    }

    /// <summary>Removes what a lab (this one, or one a killed run left) built; what is not there is skipped.</summary>
    private async Task TearDownAsync()
    {
        foreach (var ns in hosts.Select(Namespace).Append(DatabaseNamespace))
        {
            await IpAsync(true, "netns", "del", ns);
        }
        await IpAsync(true, "link", "del", Bridge);
    }

    private static string Namespace(string host) => $"cc-{host}";

    private static Task IpAsync(params string[] arguments) => IpAsync(false, arguments);

    private static async Task IpAsync(bool mayFail, params string[] arguments)
    {
        using var ip = Process.Start(new ProcessStartInfo("ip", arguments) { RedirectStandardError = true, UseShellExecute = false })!;
        var error = await ip.StandardError.ReadToEndAsync();
        await ip.WaitForExitAsync();
        if (ip.ExitCode != 0 && !mayFail)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', arguments)}: {error.Trim()}");
        }
    }
}
