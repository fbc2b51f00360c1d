extern alias load;

using ClearingCluster.Client;
using ClearingCluster.TestSupport;
using load::ClearingCluster.Load.Simulator;

namespace ClearingCluster.EndToEnd.Tests;

/// <summary>
/// The chaos profile, small: under the simulator's full load the Gateway is SIGKILLed three times (the third time its
/// PostgreSQL too, as a machine crash), restarted each time, whatever was not acknowledged resent as a client would;
/// then every check: nothing lost, nothing counted twice, no µ¥ created or destroyed, the ledger verifying.
/// </summary>
public sealed class ChaosTests
{
    [Fact]
    public async Task Killed_three_times_under_load_once_with_its_database_every_check_holds()
    {
        var configuration = AppContext.BaseDirectory.Contains("/bin/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        await using var gateway = await GatewayProcess.StartAsync(configuration);
        var repeats = new RepeatCounter();
        var options = repeats.Counting(new ClearingClientOptions { RetryAttemptsMax = 10 });
        using var admin = new ClearingClient(gateway.Address, gateway.AdminKey, options);

        var result = await SimulationRun.RunAsync(SimulationProfile.Smoke() with { Name = "chaos" }, admin, key => new ClearingClient(gateway.Address, key, options),
            SimulationProgress.Lines(TextWriter.Null), disruption: (report, stop) => SimulationChaos.KillAsync(gateway, kills: 3, databaseEvery: 3, seed: 7, report, stop),
            repeats: repeats);

        Assert.Equal(3, result.Kills);
        Assert.True(result.Ok, string.Join("\n", result.Failures));
        Assert.Equal((0, 0, 0), (result.LostUnits, result.DoubleCountedUnits, result.MicrosCreated));
        Assert.Equal(3, result.Events.Count(e => e.Kind == "kill"));
        Assert.Equal(result.UnansweredAtEnd, result.ResentAtEnd);
        Assert.True(result.RepeatedByClient > 0, "a kill under load leaves requests in doubt, which the client repeats");
        Assert.True(result.OrdersPlaced > 0 && result.UsageRecordsAccepted > 0, SimulationRun.Json(result));
    }
}
