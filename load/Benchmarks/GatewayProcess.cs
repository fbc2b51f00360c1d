using System.Diagnostics;
using System.Net.Http.Headers;
using ClearingCluster.Silo.Database;

namespace ClearingCluster.Load.Benchmarks;

/// <summary>
/// The real Gateway (with its silo and a fresh embedded PostgreSQL, fsync on) as a separate process on free ports,
/// as a deployment runs it; stopped with SIGTERM and its data removed afterwards.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly string dataDirectory;

    private GatewayProcess(Process process, string dataDirectory, Uri address, string adminKey)
    {
        this.process = process;
        this.dataDirectory = dataDirectory;
        Address = address;
        AdminKey = adminKey;
    }

    public Uri Address { get; }

    public string AdminKey { get; }

    public static async Task<GatewayProcess> StartAsync()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "ClearingCluster.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("run the load tool from inside the repository");
        }
        var gatewayDll = Path.Combine(root, "Gateway", "bin", "Release", "net10.0", "ClearingCluster.Gateway.dll");
        if (!File.Exists(gatewayDll))
        {
            throw new InvalidOperationException($"build the Gateway in Release first ({gatewayDll} is missing); ./cluster load does");
        }
        var dataDirectory = Path.Combine(Path.GetTempPath(), "clearingcluster-load", Guid.NewGuid().ToString("N"));
        var adminKey = "load-admin-" + Guid.NewGuid().ToString("N");
        var address = new Uri($"http://127.0.0.1:{EmbeddedPostgres.FreePort()}");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(gatewayDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(gatewayDll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(address.ToString());
        start.Environment["CLEARING_DATA_DIR"] = dataDirectory;
        start.Environment["CLEARING_PG_PORT"] = EmbeddedPostgres.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["CLEARING_ADMIN_KEY"] = adminKey;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
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
                throw new InvalidOperationException("the Gateway did not become ready");
            }
            await Task.Delay(200);
        }
        return new GatewayProcess(process, dataDirectory, address, adminKey);
    }

    public HttpClient Client(string? key, int connections)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = Address,
        };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        process.Dispose();
        if (Directory.Exists(dataDirectory))
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }
}
