using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClearingCluster.Runtime.Tests;

/// <summary>A whole runtime in process with in-memory storage, as a test starts it; disposed at the end.</summary>
public sealed class TestSilo : IAsyncDisposable
{
    private readonly ServiceProvider services;

    private TestSilo(ServiceProvider services)
    {
        this.services = services;
        Runtime = services.GetRequiredService<GrainRuntime>();
    }

    public GrainRuntime Runtime { get; }

    public Probe Probe => services.GetRequiredService<Probe>();

    public Gates Gates => services.GetRequiredService<Gates>();

    public MemoryGrainStorage Storage => (MemoryGrainStorage)services.GetRequiredKeyedService<IGrainStorage>(PersistentStateAttribute.DefaultStorage);

    public static async Task<TestSilo> StartAsync(Action<GrainRuntimeOptions>? configure = null, IServiceCollection? shared = null)
    {
        IServiceCollection collection = new ServiceCollection();
        collection.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        collection.AddSingleton<Probe>();
        collection.AddSingleton<Gates>();
        if (shared is not null)
        {
            foreach (var descriptor in shared)
            {
                collection.Add(descriptor);
            }
        }
        collection.AddGrainRuntime(configure, typeof(TestSilo).Assembly);
        var silo = new TestSilo(collection.BuildServiceProvider());
        await silo.Runtime.StartAsync(CancellationToken.None);
        return silo;
    }

    public T Grain<T>(string key) where T : IGrainWithStringKey => Runtime.GetGrain<T>(key);

    public async ValueTask DisposeAsync()
    {
        await Runtime.DisposeAsync();
        await services.DisposeAsync();
    }
}
