using ClearingCluster.Client;
using ClearingCluster.Load.Benchmarks;
using ClearingCluster.TestSupport;

namespace ClearingCluster.Load.Simulator;

/// <summary>
/// <c>./cluster load run --profile smoke [--seconds N] [--url U --key K] [--out result.json]</c>: against a running
/// Gateway (<c>--url</c>, the admin key from <c>--key</c> or <c>CLEARING_ADMIN_KEY</c>), or one it starts itself on a
/// fresh database. Exits 0 when every check held, 1 when one did not.
/// </summary>
public static class SimulatorCommand
{
    public static async Task<int> RunAsync(BenchmarkArguments arguments)
    {
        var profile = SimulationProfile.Named(arguments.Text("profile", "smoke"),
            arguments.Options.ContainsKey("seconds") ? TimeSpan.FromSeconds(arguments.Seconds) : null);
        var url = arguments.Text("url", "");
        GatewayProcess? started = null;
        string adminKey;
        Uri address;
        if (url.Length == 0)
        {
            started = await GatewayProcess.StartAsync();
            (address, adminKey) = (started.Address, started.AdminKey);
        }
        else
        {
            address = new Uri(url);
            adminKey = arguments.Text("key", Environment.GetEnvironmentVariable("CLEARING_ADMIN_KEY") ?? "");
            if (adminKey.Length == 0)
            {
                Console.Error.WriteLine("the simulator builds its world as admin: give the admin key with --key or CLEARING_ADMIN_KEY");
                return 2;
            }
        }
        try
        {
            var options = new ClearingClientOptions { RetryAttemptsMax = 10 };
            using var admin = new ClearingClient(address, adminKey, options);
            var result = await SimulationRun.RunAsync(profile, admin, key => new ClearingClient(address, key, options), Console.Out);
            SimulationRun.Report(result, Console.Out);
            if (arguments.Text("out", "") is { Length: > 0 } file)
            {
                await File.WriteAllTextAsync(file, SimulationRun.Json(result));
            }
            return result.Ok ? 0 : 1;
        }
        finally
        {
            if (started is not null)
            {
                await started.DisposeAsync();
            }
        }
    }
}
