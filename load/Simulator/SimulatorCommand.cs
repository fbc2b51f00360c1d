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
        var profileName = arguments.Text("profile", "smoke");
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
            if (profileName == "fuzz")
            {
                var pid = started?.ProcessId;
                var rssBefore = pid is { } p1 ? GatewayProcess.ResidentMegabytes(p1) : 0;
                var fuzz = await SimulationRun.FuzzAsync(arguments.Int("requests", 100_000), admin, adminKey, key => new ClearingClient(address, key, options),
                    key => Http(address, key), Console.Out);
                SimulationRun.Report(fuzz, Console.Out);
                if (pid is { } p2)
                {
                    Console.WriteLine($"  Gateway resident memory: {rssBefore} MB before the world and the fuzz, {GatewayProcess.ResidentMegabytes(p2)} MB after");
                }
                return fuzz.Violations.Count == 0 && fuzz.StateChanges.Count == 0 ? 0 : 1;
            }
            if (profileName == "chaos")
            {
                if (started is null)
                {
                    Console.Error.WriteLine("the chaos profile kills the Gateway it starts: run it without --url");
                    return 2;
                }
                var kills = arguments.Int("kills", 50);
                var chaos = await SimulationRun.RunAsync(SimulationProfile.Smoke() with { Name = "chaos" }, admin, key => new ClearingClient(address, key, options),
                    Console.Out, disruption: stop => SimulationChaos.KillAsync(started, kills, databaseEvery: arguments.Int("database-every", 5), seed: 20261129,
                        Console.Out, stop));
                SimulationRun.Report(chaos, Console.Out);
                if (arguments.Text("out", "") is { Length: > 0 } chaosFile)
                {
                    await File.WriteAllTextAsync(chaosFile, SimulationRun.Json(chaos));
                }
                return chaos.Ok ? 0 : 1;
            }
            var profile = SimulationProfile.Named(profileName, arguments.Options.ContainsKey("seconds") ? TimeSpan.FromSeconds(arguments.Seconds) : null);
            var result = await SimulationRun.RunAsync(profile, admin, key => new ClearingClient(address, key, options), Console.Out);
            SimulationRun.Report(result, Console.Out);
            if (arguments.Text("out", "") is { Length: > 0 } file)
            {
                await File.WriteAllTextAsync(file, SimulationRun.Json(result));
            }
            return result.Ok ? 0 : 1;
        }
        catch (ArgumentException unknown)
        {
            Console.Error.WriteLine(unknown.Message);
            return 2;
        }
        finally
        {
            if (started is not null)
            {
                await started.DisposeAsync();
            }
        }
    }

    private static HttpClient Http(Uri address, string? key)
    {
        var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        }
        return client;
    }
}
