using ClearingCluster.Runtime;
using ClearingCluster.Runtime.Cluster;
using ClearingCluster.Runtime.Transport;
using ClearingCluster.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClearingCluster.Load.Benchmarks;

/// <summary>
/// Silo-to-silo calls per second and their latency: two runtimes in one process, each with its transport on a loopback
/// port, silo A calling grains whose partitions silo B serves (one connection, every call a frame each way). Beside it
/// in the same run, the ceiling: the same calls to grains A serves itself.
/// </summary>
public static class SiloCallBenchmark
{
    public static async Task RunAsync(BenchmarkArguments arguments)
    {
        var ownership = new FixedCluster(p => p % 2 == 0 ? "a" : "b");
        await using var a = await StartAsync(ownership, "a");
        await using var b = await StartAsync(ownership, "b");
        await a.Map.ReadNowAsync(TimeSpan.FromSeconds(10), CancellationToken.None);

        var type = a.Runtime.Registry.TypeNameFor(typeof(IPingGrain));
        var keys = Enumerable.Range(0, arguments.Grains * 4).Select(i => $"ping-{i}").ToList();
        var remote = keys.Where(k => ownership.OwnerOf(Partitions.Of(GrainId.Create(type, k))) == "b").Take(arguments.Grains)
            .Select(k => a.Runtime.GetGrain<IPingGrain>(k)).ToArray();
        var local = keys.Where(k => ownership.OwnerOf(Partitions.Of(GrainId.Create(type, k))) == "a").Take(arguments.Grains)
            .Select(k => a.Runtime.GetGrain<IPingGrain>(k)).ToArray();
        await Task.WhenAll(remote.Concat(local).Select(g => g.Ping(0)));

        await Measurement.ReportAsync("grain calls within silo A (the ceiling, same run)", arguments,
            () => Measurement.RunAsync(arguments.Concurrency, TimeSpan.FromSeconds(arguments.Seconds), w => local[w % local.Length].Ping(w), true));
        await Measurement.ReportAsync("silo-calls: silo A → grains silo B serves (loopback TCP, one connection)", arguments,
            () => Measurement.RunAsync(arguments.Concurrency, TimeSpan.FromSeconds(arguments.Seconds), w => remote[w % remote.Length].Ping(w), true));
    }

    private static async Task<Silo> StartAsync(FixedCluster ownership, string name)
    {
        IServiceCollection services = new ServiceCollection();
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton(ownership.Guard(name));
        services.AddGrainRuntime(null, typeof(SiloCallBenchmark).Assembly);
        var provider = services.BuildServiceProvider();
        var runtime = provider.GetRequiredService<GrainRuntime>();
        await runtime.StartAsync(CancellationToken.None);
        var (transport, map) = ownership.Connect(runtime, name);
        return new Silo(provider, runtime, transport, map);
    }

    private sealed record Silo(ServiceProvider Provider, GrainRuntime Runtime, SiloTransport Transport, PartitionMap Map) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Transport.DisposeAsync();
            await Runtime.StopAsync(CancellationToken.None);
            await Provider.DisposeAsync();
        }
    }
}
