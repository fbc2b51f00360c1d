using ClearingCluster.Silo.Database;
using ClearingCluster.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ClearingCluster.Load.Benchmarks;

/// <summary>A whole silo on a fresh embedded PostgreSQL (fsync on) in a temporary directory, removed afterwards.</summary>
public sealed class SiloBenchmarkHost : IAsyncDisposable
{
    private readonly IHost host;
    private readonly string dataDirectory;

    private SiloBenchmarkHost(IHost host, string dataDirectory)
    {
        this.host = host;
        this.dataDirectory = dataDirectory;
    }

    public IServiceProvider Services => host.Services;

    public static async Task<SiloBenchmarkHost> StartAsync()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "clearingcluster-load", Guid.NewGuid().ToString("N"));
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CLEARING_DATA_DIR"] = dataDirectory,
            ["CLEARING_PG_PORT"] = EmbeddedPostgres.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        builder.Services.AddClearingSilo(builder.Configuration, typeof(SiloBenchmarkHost).Assembly);
        var host = builder.Build();
        await host.StartAsync();
        return new SiloBenchmarkHost(host, dataDirectory);
    }

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
        if (Directory.Exists(dataDirectory))
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }
}
