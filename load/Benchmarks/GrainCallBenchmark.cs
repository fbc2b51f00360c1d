using ClearingCluster.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClearingCluster.Load.Benchmarks;

/// <summary>In-process grain calls per second: callers spread over many grains, each awaiting one call at a time.</summary>
public static class GrainCallBenchmark
{
    public static async Task RunAsync(BenchmarkArguments arguments, bool yielding)
    {
        IServiceCollection services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddGrainRuntime(null, typeof(GrainCallBenchmark).Assembly);
        await using var provider = services.BuildServiceProvider();
        var runtime = provider.GetRequiredService<GrainRuntime>();
        await runtime.StartAsync(CancellationToken.None);

        var grains = Enumerable.Range(0, arguments.Grains).Select(i => runtime.GetGrain<IPingGrain>($"ping-{i}")).ToArray();
        await Task.WhenAll(grains.Select(g => g.Ping(0)));

        // Each caller makes several calls per loop so the loop's own cost stays small beside the calls.
        const int callsPerLoop = 8;
        await Measurement.RunAsync(arguments.Concurrency, TimeSpan.FromSeconds(1), worker => PingMany(grains, worker, callsPerLoop, yielding), false);
        var name = yielding ? "grain-calls-async (in-process, grain awaits once, ×8 calls per sample)" : "grain-calls (in-process, ×8 calls per sample)";
        await Measurement.ReportAsync(name, arguments, async () =>
        {
            var result = await Measurement.RunAsync(arguments.Concurrency, TimeSpan.FromSeconds(arguments.Seconds),
                worker => PingMany(grains, worker, callsPerLoop, yielding), sampleLatency: true);
            return result with { PerSecond = result.PerSecond * callsPerLoop };
        });
        await runtime.StopAsync(CancellationToken.None);
    }

    private static async Task PingMany(IPingGrain[] grains, int worker, int calls, bool yielding)
    {
        var grain = grains[worker % grains.Length];
        for (var i = 0; i < calls; i++)
        {
            await (yielding ? grain.PingYielding(i) : grain.Ping(i));
        }
    }
}
