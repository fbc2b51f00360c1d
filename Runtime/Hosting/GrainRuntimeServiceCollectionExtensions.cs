using System.Reflection;
using ClearingCluster.Runtime.Durability;
using ClearingCluster.Runtime.Reminders;
using ClearingCluster.Runtime.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace ClearingCluster.Runtime;

public static class GrainRuntimeServiceCollectionExtensions
{
    /// <summary>
    /// Adds the grain runtime, its grain classes from <paramref name="grainAssemblies"/>, and in-memory defaults
    /// for storage, reminders and the commit log that a silo replaces with durable ones. Started and stopped with the host.
    /// </summary>
    public static IServiceCollection AddGrainRuntime(this IServiceCollection services, Action<GrainRuntimeOptions>? configure, params Assembly[] grainAssemblies)
    {
        var options = new GrainRuntimeOptions();
        configure?.Invoke(options);
        options.Validate();

        var registry = new GrainTypeRegistry();
        foreach (var assembly in grainAssemblies)
        {
            registry.AddAssembly(assembly);
        }

        services.AddSingleton(options);
        services.AddSingleton(registry);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddKeyedSingleton<IGrainStorage>(PersistentStateAttribute.DefaultStorage, (_, _) => new MemoryGrainStorage());
        services.TryAddSingleton<IReminderTable, MemoryReminderTable>();
        services.TryAddSingleton<ReminderService>();
        services.TryAddSingleton<IStreamProvider, InMemoryStreamProvider>();
        services.TryAddSingleton(new GroupCommitOptions());
        services.TryAddSingleton<GroupCommitMetrics>();
        services.TryAddSingleton<ICommitStore, MemoryCommitStore>();
        services.TryAddSingleton<GroupCommit>();
        services.AddSingleton<GrainRuntime>();
        services.AddSingleton<IGrainFactory>(sp => sp.GetRequiredService<GrainRuntime>());
        services.AddHostedService<GrainRuntimeHostedService>();
        return services;
    }
}

internal sealed class GrainRuntimeHostedService(GrainRuntime runtime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => runtime.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => runtime.StopAsync(cancellationToken);
}
