using ClearingCluster.Runtime.Cluster;
using ClearingCluster.Runtime.Transport;
using ClearingCluster.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace ClearingCluster.Runtime.Tests.Transport;

/// <summary>Several runtimes in one process, each with its transport on a loopback port, ownership set by the test. Disposed at the end.</summary>
internal sealed class LocalCluster : IAsyncDisposable
{
    private LocalCluster(FixedCluster ownership) => Ownership = ownership;

    public FixedCluster Ownership { get; }

    public List<Member> Silos { get; } = [];

    public sealed record Member(string Name, TestSilo Silo, SiloTransport Transport, PartitionMap Map);

    /// <param name="shared">Services every silo shares (a reminder table, say), added to each.</param>
    public static async Task<LocalCluster> StartAsync(int silos, TransportOptions? options = null, Action<IServiceCollection>? shared = null,
        Action<GrainRuntimeOptions>? configure = null)
    {
        var cluster = new LocalCluster(new FixedCluster(p => $"silo-{p % silos}"));
        for (var i = 0; i < silos; i++)
        {
            var name = $"silo-{i}";
            var services = new ServiceCollection().AddSingleton(cluster.Ownership.Guard(name));
            shared?.Invoke(services);
            var silo = await TestSilo.StartAsync(configure, services);
            var (transport, map) = cluster.Ownership.Connect(silo.Runtime, name, options ?? new TransportOptions { HandOverWait = TimeSpan.FromSeconds(2) });
            cluster.Silos.Add(new Member(name, silo, transport, map));
        }
        foreach (var member in cluster.Silos)
        {
            await member.Map.ReadNowAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        }
        return cluster;
    }

    public void Move(int partition, string? silo) => Ownership.Move(partition, silo);

    public int PartitionOf<TGrain>(string key) where TGrain : IGrainWithStringKey =>
        Partitions.Of(GrainId.Create(Silos[0].Silo.Runtime.Registry.TypeNameFor(typeof(TGrain)), key));

    /// <summary>A key of <typeparamref name="TGrain"/> whose partition <paramref name="silo"/> serves.</summary>
    public string KeyServedBy<TGrain>(string silo, string prefix = "k") where TGrain : IGrainWithStringKey =>
        Ownership.KeyServedBy(Silos[0].Silo.Runtime.Registry.TypeNameFor(typeof(TGrain)), silo, prefix);

    public async ValueTask DisposeAsync()
    {
        foreach (var member in Silos)
        {
            await member.Transport.DisposeAsync();
            await member.Silo.DisposeAsync();
        }
    }
}
