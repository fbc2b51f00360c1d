using ClearingCluster.Runtime;
using ClearingCluster.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ClearingCluster.Integration.Tests;

/// <summary>A whole silo (database, storage, reminders, runtime) on a given database, as the Gateway hosts it.</summary>
public sealed class SiloHost : IAsyncDisposable
{
    private readonly IHost host;

    private SiloHost(IHost host) => this.host = host;

    public GrainRuntime Runtime => host.Services.GetRequiredService<GrainRuntime>();

    public IGrainFactory Grains => Runtime;

    public IServiceProvider Services => host.Services;

    /// <summary>Settings of a silo that keeps no partitions and serves every grain unfenced: for tests of the lines behind ownership.</summary>
    public static Dictionary<string, string?> Unowned => new() { ["Clearing:Cluster:KeepPartitions"] = "false" };

    /// <param name="services">Changes to the silo's services after it is set up: for tests that observe or break a part.</param>
    public static async Task<SiloHost> StartAsync(string connectionString, Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(settings ?? [])
        {
            ["CLEARING_DB"] = connectionString,
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton<Signals>();
        builder.Services.AddClearingSilo(builder.Configuration, typeof(SiloHost).Assembly);
        services?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return new SiloHost(host);
    }

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }
}
