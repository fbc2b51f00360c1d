using ClearingCluster.Runtime;
using ClearingCluster.Silo.Database;
using ClearingCluster.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ClearingCluster.Load.Benchmarks;

/// <summary>
/// Durable grain-state writes per second through the runtime into PostgreSQL (fsync on), on a fresh embedded
/// server in a temporary directory, or on <c>CLEARING_DB</c> when set. Each write is one versioned UPDATE.
/// </summary>
public static class StateWriteBenchmark
{
    public static async Task RunAsync(BenchmarkArguments arguments)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "clearingcluster-load", Guid.NewGuid().ToString("N"));
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CLEARING_DATA_DIR"] = dataDirectory,
            ["CLEARING_PG_PORT"] = EmbeddedPostgres.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        builder.Services.AddClearingSilo(builder.Configuration, typeof(StateWriteBenchmark).Assembly);
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var grainFactory = host.Services.GetRequiredService<IGrainFactory>();
            var grains = Enumerable.Range(0, arguments.Grains).Select(i => grainFactory.GetGrain<IWriterGrain>($"writer-{i}")).ToArray();
            await Task.WhenAll(grains.Select(g => g.Write()));
            await Measurement.ReportAsync("state-writes (PostgreSQL, fsync on)", arguments, () =>
                Measurement.RunAsync(arguments.Concurrency, TimeSpan.FromSeconds(arguments.Seconds),
                    worker => grains[worker % grains.Length].Write(), sampleLatency: true));
        }
        finally
        {
            await host.StopAsync();
            if (Directory.Exists(dataDirectory))
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
        }
    }
}
