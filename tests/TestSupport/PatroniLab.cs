using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using ClearingCluster.Silo.Database;
using Npgsql;

namespace ClearingCluster.TestSupport;

/// <summary>
/// PostgreSQL as a Patroni cluster, built by a test and torn down after it: one etcd and two PostgreSQL nodes, each
/// under its own Patroni, with synchronous replication (a commit is acknowledged once the synchronous standby has it),
/// on loopback ports of their own, under a directory the postgres user owns. <see cref="ConnectionString"/> names both
/// nodes with <c>Target Session Attributes=primary</c>, so Npgsql finds whichever is primary. Needs root (PostgreSQL runs
/// as postgres) and Debian's patroni and etcd-server packages.
/// </summary>
public sealed class PatroniLab : IAsyncDisposable
{
    private const string Scope = "clearing-lab";
    private static readonly string[] Nodes = ["pg1", "pg2"];

    private readonly string directory = Path.Combine("/var/lib/postgresql/clearingcluster-patroni", Guid.NewGuid().ToString("N")[..12]);
    private readonly Dictionary<string, (int Postgres, int Api)> ports = [];
    private readonly Dictionary<string, Process> patroni = [];
    private readonly int etcdPort = EmbeddedPostgres.FreePort();
    private readonly int etcdPeerPort = EmbeddedPostgres.FreePort();
    private readonly HttpClient api = new() { Timeout = TimeSpan.FromSeconds(2) };
    private Process? etcd;

    private PatroniLab()
    {
        foreach (var node in Nodes)
        {
            ports[node] = (EmbeddedPostgres.FreePort(), EmbeddedPostgres.FreePort());
        }
    }

    /// <summary>Why the lab cannot be built here, or null when it can.</summary>
    public static string? Unavailable() =>
        !EmbeddedPostgres.RunningAsRoot ? "PostgreSQL runs as the postgres user: the lab needs root"
        : !File.Exists("/usr/bin/patroni") ? "Patroni is not installed (Debian's patroni package)"
        : !File.Exists("/usr/bin/etcd") ? "etcd is not installed (Debian's etcd-server package)"
        : EmbeddedPostgres.FindBinaries() is null ? "PostgreSQL's server binaries are not installed"
        : null;

    /// <summary>Both nodes; Npgsql connects to the primary, whichever it is.</summary>
    public string ConnectionString => Connection("clearing");

    public static async Task<PatroniLab> StartAsync(TimeSpan limit)
    {
        var lab = new PatroniLab();
        try
        {
            await lab.BuildAsync(limit);
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
        return lab;
    }

    /// <summary>The node Patroni says leads, and whether the other is its synchronous standby and streaming.</summary>
    public async Task<(string? Leader, bool SyncStandby)> StateAsync()
    {
        foreach (var node in Nodes.Where(n => patroni.ContainsKey(n)))
        {
            try
            {
                var cluster = await api.GetFromJsonAsync<JsonElement>($"http://127.0.0.1:{ports[node].Api}/cluster");
                var members = cluster.GetProperty("members").EnumerateArray().ToList();
                var leader = members.FirstOrDefault(m => m.GetProperty("role").GetString() == "leader");
                var sync = members.Any(m => m.GetProperty("role").GetString() == "sync_standby"
                    && m.GetProperty("state").GetString() is "running" or "streaming");
                return (leader.ValueKind == JsonValueKind.Undefined ? null : leader.GetProperty("name").GetString(), sync);
            }
            catch (Exception error) when (error is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
            {
                // That node's API is down: ask the other.
            }
        }
        return (null, false);
    }

    /// <summary>Polls Patroni's view every 200 ms until <paramref name="wanted"/> holds of it.</summary>
    public async Task<string> UntilAsync(Func<string?, bool, bool> wanted, TimeSpan limit, string what)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var (leader, sync) = await StateAsync();
            if (leader is not null && wanted(leader, sync))
            {
                return leader;
            }
            if (waited.Elapsed > limit)
            {
                throw new TimeoutException($"Patroni: {what} not reached in {limit.TotalSeconds:N0} s (leader {leader ?? "none"}, synchronous standby {sync}); logs in {directory}");
            }
            await Task.Delay(200);
        }
    }

    /// <summary>SIGKILL of the node: its Patroni, its postmaster and every backend, as a machine that lost power.</summary>
    public async Task KillAsync(string node)
    {
        if (patroni.Remove(node, out var process))
        {
            process.Kill();
            await process.WaitForExitAsync();
            process.Dispose();
        }
        await KillPostmasterAsync(node);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await KillAsync(node);
        }
        if (etcd is not null)
        {
            etcd.Kill();
            await etcd.WaitForExitAsync();
            etcd.Dispose();
        }
        api.Dispose();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A process still writing its log: the directory is under /var/lib/postgresql, left for the next clean-up.
        }
    }

    private string Connection(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = string.Join(",", Nodes.Select(n => $"127.0.0.1:{ports[n].Postgres}")),
        Username = "postgres",
        Password = "postgres",
        Database = database,
        TargetSessionAttributes = "primary",
        // A dead node is noticed at once (connection refused); checked again after this long.
        HostRecheckSeconds = 1,
        Timeout = 3,
    }.ConnectionString;

    private async Task BuildAsync(TimeSpan limit)
    {
        Directory.CreateDirectory(Path.Combine(directory, "etcd"));
        foreach (var node in Nodes)
        {
            await File.WriteAllTextAsync(Path.Combine(directory, $"{node}.yml"), Config(node));
        }
        await RunAsync("chown", "-R", "postgres:postgres", Path.GetDirectoryName(directory)!);
        etcd = Launch("etcd", "etcd", [
            "--name", "lab", "--data-dir", Path.Combine(directory, "etcd"),
            "--listen-client-urls", $"http://127.0.0.1:{etcdPort}", "--advertise-client-urls", $"http://127.0.0.1:{etcdPort}",
            "--listen-peer-urls", $"http://127.0.0.1:{etcdPeerPort}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{etcdPeerPort}",
            "--initial-cluster", $"lab=http://127.0.0.1:{etcdPeerPort}"]);
        // The first node bootstraps the cluster; the second is cloned from it as its synchronous standby.
        patroni[Nodes[0]] = StartPatroni(Nodes[0]);
        await UntilAsync((_, _) => true, limit, "a leader");
        patroni[Nodes[1]] = StartPatroni(Nodes[1]);
        await UntilAsync((_, sync) => sync, limit, "a synchronous standby");
        await using var connection = new NpgsqlConnection(Connection("postgres"));
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand("CREATE DATABASE clearing", connection);
        await create.ExecuteNonQueryAsync();
    }

    private Process StartPatroni(string node) =>
        Launch(node, "setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "/usr/bin/patroni", Path.Combine(directory, $"{node}.yml")]);

    /// <summary>Starts a long-running process with its output in <c>&lt;name&gt;.log</c> (exec: the process is the tool itself).</summary>
    private Process Launch(string name, string file, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = directory };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"exec \"$0\" \"$@\" >> '{Path.Combine(directory, name + ".log")}' 2>&1");
        start.ArgumentList.Add(file);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        return Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
    }

    private async Task KillPostmasterAsync(string node)
    {
        var pidFile = Path.Combine(directory, node, "postmaster.pid");
        if (!File.Exists(pidFile) || !int.TryParse((await File.ReadAllLinesAsync(pidFile)).FirstOrDefault(), out var postmaster))
        {
            return;
        }
        var pid = postmaster.ToString(CultureInfo.InvariantCulture);
        await RunAsync("pkill", "-KILL", "-P", pid);
        await RunAsync("kill", "-KILL", pid);
    }

    private static async Task RunAsync(string file, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { UseShellExecute = false, RedirectStandardError = true })!;
        await process.WaitForExitAsync();
    }

    /// <summary>
    /// Patroni's configuration: short timings (a leader's key lives 10 s), synchronous replication that is not strict
    /// (with the standby gone the new primary goes on alone rather than refuse every write), trust on loopback.
    /// </summary>
    private string Config(string node) => $"""
        scope: {Scope}
        name: {node}
        log:
          level: WARNING
        restapi:
          listen: 127.0.0.1:{ports[node].Api}
          connect_address: 127.0.0.1:{ports[node].Api}
        etcd3:
          hosts: 127.0.0.1:{etcdPort}
        bootstrap:
          dcs:
            ttl: 10
            loop_wait: 1
            retry_timeout: 3
            maximum_lag_on_failover: 1048576
            synchronous_mode: true
            postgresql:
              use_pg_rewind: false
              parameters:
                max_connections: 200
                fsync: 'on'
          initdb:
          - encoding: UTF8
          - auth: trust
          - no-locale
          pg_hba:
          - local all all trust
          - host all all 127.0.0.1/32 trust
          - host replication all 127.0.0.1/32 trust
        postgresql:
          listen: 127.0.0.1:{ports[node].Postgres}
          connect_address: 127.0.0.1:{ports[node].Postgres}
          data_dir: {Path.Combine(directory, node)}
          bin_dir: {EmbeddedPostgres.FindBinaries()}
          pgpass: {Path.Combine(directory, node + ".pgpass")}
          authentication:
            replication:
              username: replicator
              password: rep
            superuser:
              username: postgres
              password: postgres
          parameters:
            unix_socket_directories: '{directory}'
        """;
}
