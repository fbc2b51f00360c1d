using ClearingCluster.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace ClearingCluster.Load.Benchmarks;

/// <summary>
/// Durable grain-state writes per second through the runtime into PostgreSQL (fsync on), on a fresh embedded
/// server. Each write is one versioned UPDATE and one commit.
/// </summary>
public static class StateWriteBenchmark
{
    public static async Task RunAsync(BenchmarkArguments arguments)
    {
        await using var silo = await SiloBenchmarkHost.StartAsync();
        var grainFactory = silo.Services.GetRequiredService<IGrainFactory>();
        var grains = Enumerable.Range(0, arguments.Grains).Select(i => grainFactory.GetGrain<IWriterGrain>($"writer-{i}")).ToArray();
        await Task.WhenAll(grains.Select(g => g.Write()));
        await Measurement.ReportAsync("state-writes (PostgreSQL, fsync on)", arguments, () =>
            Measurement.RunAsync(arguments.Concurrency, TimeSpan.FromSeconds(arguments.Seconds),
                worker => grains[worker % grains.Length].Write(), sampleLatency: true));
    }
}
