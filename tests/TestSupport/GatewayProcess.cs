using System.Diagnostics;
using System.Net.Http.Headers;
using ClearingCluster.Silo.Database;

namespace ClearingCluster.TestSupport;

/// <summary>
/// The real Gateway (with its silo and an embedded PostgreSQL, fsync on) as a separate process on free ports, as a
/// deployment runs it. It can be killed outright (SIGKILL) and started again on the same data; disposing stops it
/// with SIGTERM, stops PostgreSQL and removes the data.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private readonly Settings settings;
    private Process process;

    private GatewayProcess(Process process, Settings settings)
    {
        this.process = process;
        this.settings = settings;
    }

    public Uri Address => settings.Address;

    public string AdminKey => settings.AdminKey;

    /// <summary>The embedded database the Gateway runs on (for benchmarks measuring PostgreSQL alone beside it).</summary>
    public string DatabaseConnectionString =>
        $"Host=127.0.0.1;Port={settings.PostgresPort};Username={EmbeddedPostgres.ServiceUser};Database=clearing";

    /// <param name="environment">More of the Gateway's environment: settings such as <c>Clearing__Metering__CallIdWindow</c>.</param>
    public static async Task<GatewayProcess> StartAsync(string configuration = "Release", IReadOnlyDictionary<string, string>? environment = null)
    {
        var settings = new Settings(
            GatewayDll(configuration),
            Path.Combine(Path.GetTempPath(), "clearingcluster-load", Guid.NewGuid().ToString("N")),
            "load-admin-" + Guid.NewGuid().ToString("N"),
            new Uri($"http://127.0.0.1:{EmbeddedPostgres.FreePort()}"),
            EmbeddedPostgres.FreePort(),
            environment ?? new Dictionary<string, string>());
        return new GatewayProcess(await LaunchAsync(settings), settings);
    }

    /// <summary>
    /// A Gateway (with its silo) inside <paramref name="host"/>'s network namespace in <paramref name="lab"/>, on the
    /// lab's database, listening on the host's address: one silo of a cluster whose network a test can cut.
    /// </summary>
    public static async Task<GatewayProcess> StartInAsync(NetworkLab lab, string host, string adminKey, IReadOnlyDictionary<string, string> environment,
        string configuration = "Release")
    {
        var settings = new Settings(
            GatewayDll(configuration),
            Path.Combine(Path.GetTempPath(), "clearingcluster-lab", Guid.NewGuid().ToString("N")),
            adminKey,
            new Uri($"http://{lab.AddressOf(host)}:5080"),
            EmbeddedPostgres.FreePort(),
            new Dictionary<string, string>(environment) { ["CLEARING_DB"] = lab.ConnectionString },
            host);
        return new GatewayProcess(await LaunchAsync(settings), settings);
    }

    /// <summary>SIGKILL: no shutdown of any kind, as a crash.</summary>
    public async Task KillAsync()
    {
        process.Kill();
        await process.WaitForExitAsync();
        process.Dispose();
    }

    /// <summary>Starts the Gateway again on the same data, ports and keys.</summary>
    public async Task RestartAsync() => process = await LaunchAsync(settings);

    public int ProcessId => process.Id;

    /// <summary>SIGSTOP: the process halts where it is, holding its sockets and believing in its leases, as a frozen VM would.</summary>
    public Task PauseAsync() => SignalAsync(process, "STOP");

    /// <summary>SIGCONT after <see cref="PauseAsync"/>.</summary>
    public Task ContinueAsync() => SignalAsync(process, "CONT");

    private static async Task SignalAsync(Process target, string signal)
    {
        if (HasExited(target))
        {
            return;
        }
        using var kill = Process.Start("kill", [$"-{signal}", target.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    /// <summary>A process's resident memory (VmRSS), in MB.</summary>
    public static long ResidentMegabytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;
    }

    /// <summary>Where this Gateway keeps its data (its embedded PostgreSQL's under <c>pg/</c>).</summary>
    public string DataDirectory => settings.DataDirectory;

    /// <summary>
    /// Starts a second Gateway on this one's data directory (another HTTP port) and waits for it to end: a rival start,
    /// which must refuse. Its exit code and what it wrote to standard error.
    /// </summary>
    public async Task<(int ExitCode, string Error)> StartRivalAsync()
    {
        var start = Start(settings with { Address = new Uri($"http://127.0.0.1:{EmbeddedPostgres.FreePort()}") });
        start.RedirectStandardOutput = false;
        using var rival = Process.Start(start)!;
        var error = rival.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await rival.WaitForExitAsync(timeout.Token);
        return (rival.ExitCode, await error);
    }

    /// <param name="Host">The lab host whose network namespace the process runs in; null: this one.</param>
    private sealed record Settings(string GatewayDll, string DataDirectory, string AdminKey, Uri Address, int PostgresPort,
        IReadOnlyDictionary<string, string> Environment, string? Host = null);

    private static string GatewayDll(string configuration)
    {
        var gatewayDll = Path.Combine(Repository.Root, "Gateway", "bin", configuration, "net10.0", "ClearingCluster.Gateway.dll");
        return File.Exists(gatewayDll)
            ? gatewayDll
            : throw new InvalidOperationException($"build the Gateway ({configuration}) first: {gatewayDll} is missing");
    }

    private static ProcessStartInfo Start(Settings settings)
    {
        var (gatewayDll, dataDirectory, adminKey, address, postgresPort, environment, host) = settings;
        // `ip netns exec` executes the command in place of itself: the process is still the Gateway's.
        var start = new ProcessStartInfo(host is null ? "dotnet" : "ip")
        {
            WorkingDirectory = Path.GetDirectoryName(gatewayDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in host is null
            ? [gatewayDll, "--urls", address.ToString()]
            : NetworkLab.Inside(host, ["dotnet", gatewayDll, "--urls", address.ToString()]))
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["CLEARING_DATA_DIR"] = dataDirectory;
        start.Environment["CLEARING_PG_PORT"] = postgresPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["CLEARING_ADMIN_KEY"] = adminKey;
        // Where the other silos reach this one (its transport listens there).
        start.Environment["Clearing__Cluster__Address"] = address.Host;
        start.Environment["Clearing__Cluster__ProxyPort"] = address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        return start;
    }

    private static async Task<Process> LaunchAsync(Settings settings)
    {
        var address = settings.Address;
        var process = Process.Start(Start(settings))!;
        // CLEARING_GATEWAY_LOG=1 shows what the Gateway logs (warnings and worse), for diagnosing a run.
        var showLog = Environment.GetEnvironmentVariable("CLEARING_GATEWAY_LOG") == "1";
        process.OutputDataReceived += (_, e) => { if (showLog && e.Data is not null) { Console.Error.WriteLine($"  gateway log: {e.Data}"); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine($"  gateway: {e.Data}"); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var probe = new HttpClient { BaseAddress = address };
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            try
            {
                if ((await probe.GetAsync("/health/ready")).IsSuccessStatusCode)
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                // Not left running behind a failed test: asked to stop (and stop its PostgreSQL), then killed.
                if (!process.HasExited)
                {
                    await SignalAsync(process, "TERM");
                    using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                    try
                    {
                        await process.WaitForExitAsync(grace.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        process.Kill();
                    }
                }
                throw new InvalidOperationException("the Gateway did not become ready");
            }
            await Task.Delay(200);
        }
        return process;
    }

    /// <summary>Whether the process has ended; a process whose restart failed counts as ended.</summary>
    private static bool HasExited(Process process)
    {
        try
        {
            return process.HasExited;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    public HttpClient Client(string? key, int connections = 4)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = Address,
            Timeout = TimeSpan.FromSeconds(60),
        };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return client;
    }

    /// <summary>SIGTERM, and waits for the Gateway to end: a graceful stop (its data stays, for <see cref="RestartAsync"/>).</summary>
    public async Task StopAsync()
    {
        if (!HasExited(process))
        {
            await SignalAsync(process, "TERM");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!HasExited(process))
        {
            await SignalAsync(process, "TERM");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
        }
        process.Dispose();
        if (Directory.Exists(settings.DataDirectory))
        {
            Directory.Delete(settings.DataDirectory, recursive: true);
        }
    }
}
