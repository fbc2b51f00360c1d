using ClearingCluster.Runtime.Cluster;
using ClearingCluster.Runtime.Durability;
using ClearingCluster.Runtime.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClearingCluster.Runtime.Tests.Transport;

/// <summary>
/// Several runtimes in one process, each with its transport on a loopback port, and one directory the test sets: which
/// silo serves each partition (what each silo's guard serves, and what the maps read). Disposed at the end.
/// </summary>
internal sealed class LocalCluster : IAsyncDisposable
{
    private readonly string?[] owners = new string?[Partitions.Count];

    private LocalCluster()
    {
    }

    public List<Member> Silos { get; } = [];

    public sealed record Member(string Name, TestSilo Silo, SiloTransport Transport, PartitionMap Map);

    public static async Task<LocalCluster> StartAsync(int silos, TransportOptions? options = null, Func<int, int>? ownerOf = null)
    {
        var cluster = new LocalCluster();
        for (var p = 0; p < Partitions.Count; p++)
        {
            cluster.owners[p] = $"silo-{(ownerOf ?? (q => q % silos))(p)}";
        }
        for (var i = 0; i < silos; i++)
        {
            var name = $"silo-{i}";
            var shared = new ServiceCollection().AddSingleton<IPartitionGuard>(new OwnersGuard(cluster.owners, name));
            var silo = await TestSilo.StartAsync(shared: shared);
            var map = new PartitionMap(new Directory(cluster), TimeSpan.FromMilliseconds(5));
            var transport = new SiloTransport(silo.Runtime, map, options ?? new TransportOptions { HandOverWait = TimeSpan.FromSeconds(2) },
                new ClusterTimings(), name, "127.0.0.1", 0, NullLogger<SiloTransport>.Instance);
            transport.Start();
            cluster.Silos.Add(new Member(name, silo, transport, map));
        }
        foreach (var member in cluster.Silos)
        {
            await member.Map.ReadNowAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        }
        return cluster;
    }

    /// <summary>From now on <paramref name="partition"/> is served by <paramref name="silo"/> (null: nobody); maps learn it when they next read.</summary>
    public void Move(int partition, string? silo) => Volatile.Write(ref owners[partition], silo);

    public int PartitionOf<TGrain>(string key) where TGrain : IGrainWithStringKey =>
        Partitions.Of(GrainId.Create(Silos[0].Silo.Runtime.Registry.TypeNameFor(typeof(TGrain)), key));

    /// <summary>A key of <typeparamref name="TGrain"/> whose partition <paramref name="silo"/> serves.</summary>
    public string KeyServedBy<TGrain>(string silo, string prefix = "k") where TGrain : IGrainWithStringKey =>
        Enumerable.Range(0, 10_000).Select(i => $"{prefix}-{i}").First(k => Volatile.Read(ref owners[PartitionOf<TGrain>(k)]) == silo);

    public async ValueTask DisposeAsync()
    {
        foreach (var member in Silos)
        {
            await member.Transport.DisposeAsync();
            await member.Silo.DisposeAsync();
        }
    }

    private sealed class OwnersGuard(string?[] owners, string self) : IPartitionGuard
    {
        public long? ServingEpoch(int partition) => Volatile.Read(ref owners[partition]) == self ? 1 : null;

        public WriterFence? FenceFor(int partition) => null;

        public event Action<IReadOnlyCollection<int>>? Gained
        {
            add { }
            remove { }
        }
    }

    private sealed class Directory(LocalCluster cluster) : IClusterDirectory
    {
        public Task<ClusterView> ReadAsync(CancellationToken cancellationToken)
        {
            var now = DateTimeOffset.UtcNow;
            var nowMicros = now.ToUnixTimeMilliseconds() * 1000;
            var rows = Enumerable.Range(0, Partitions.Count)
                .Select(p => Volatile.Read(ref cluster.owners[p]) is { } owner
                    ? new PartitionOwner(p, owner, 1, nowMicros + 10_000_000)
                    : PartitionOwner.Unowned(p))
                .ToList();
            var members = cluster.Silos.Select((m, i) => new MembershipEntry("127.0.0.1", m.Transport.Self.Port, 1, m.Name, "test", SiloStatus.Active, null, now, now))
                .ToList();
            return Task.FromResult(new ClusterView(rows, nowMicros, new MembershipView(members, 1, now)));
        }
    }
}
