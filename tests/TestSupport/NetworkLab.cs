using System.Diagnostics;
using ClearingCluster.Silo.Database;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ClearingCluster.TestSupport;

/// <summary>
/// A small network built by a test and torn down after it: a bridge in this namespace, one Linux network namespace per
/// host joined to it by a veth pair (10.201.0.11, .12, …), and PostgreSQL listening on an address of its own on the
/// bridge (10.201.1.1), which every host reaches through a route that a test can turn into a black hole (the host cut
/// off from the database only; the test's own traffic to it still flows). Needs root and iproute2.
/// </summary>
public sealed class NetworkLab : IAsyncDisposable
{
    public const string DatabaseAddress = "10.201.1.1";
    private const string Bridge = "ccbr0";
    private const string BridgeAddress = "10.201.0.1";

    private readonly List<string> hosts;
    private EmbeddedPostgres? database;
    private string? databaseDirectory;

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

    public Task RestoreDatabaseAsync(string host) =>
        IpAsync("netns", "exec", Namespace(host), "ip", "route", "replace", DatabaseAddress + "/32", "via", BridgeAddress);

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
        await IpAsync("addr", "add", DatabaseAddress + "/32", "dev", Bridge);
        await IpAsync("link", "set", Bridge, "up");
        foreach (var host in hosts)
        {
            var ns = Namespace(host);
            var (outside, inside) = ($"{ns}-h", $"{ns}-n");
            await IpAsync("netns", "add", ns);
            await IpAsync("link", "add", outside, "type", "veth", "peer", "name", inside);
            await IpAsync("link", "set", outside, "master", Bridge, "up");
            await IpAsync("link", "set", inside, "netns", ns);
            await IpAsync("netns", "exec", ns, "ip", "link", "set", "lo", "up");
            await IpAsync("netns", "exec", ns, "ip", "addr", "add", AddressOf(host) + "/24", "dev", inside);
            await IpAsync("netns", "exec", ns, "ip", "link", "set", inside, "up");
            await RestoreDatabaseAsync(host);
        }

        // PostgreSQL (fsync on) listening on its address on the bridge too, trusting the lab's hosts.
        databaseDirectory = Path.Combine(Path.GetTempPath(), "clearingcluster-lab", Guid.NewGuid().ToString("N"));
        database = new EmbeddedPostgres(new EmbeddedPostgresOptions { DataDirectory = databaseDirectory, Port = EmbeddedPostgres.FreePort(), DeleteOnStop = true },
            NullLogger.Instance);
        await database.StartAsync(CancellationToken.None);
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var listen = new NpgsqlCommand($"ALTER SYSTEM SET listen_addresses = '127.0.0.1,{DatabaseAddress}'", connection);
            await listen.ExecuteNonQueryAsync();
        }
        await File.AppendAllTextAsync(Path.Combine(database.DataDirectory, "pg_hba.conf"), "\nhost all all 10.201.0.0/16 trust\n");
        await database.PauseAsync();
        await database.ResumeAsync();
        ConnectionString = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Host = DatabaseAddress }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        if (database is not null)
        {
            await database.StopAsync();
        }
        await TearDownAsync();
    }

    /// <summary>Removes what a lab (this one, or one a killed run left) built; what is not there is skipped.</summary>
    private async Task TearDownAsync()
    {
        foreach (var host in hosts)
        {
            await IpAsync(true, "netns", "del", Namespace(host));
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
