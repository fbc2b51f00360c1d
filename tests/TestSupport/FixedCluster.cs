using ClearingCluster.Runtime;
using ClearingCluster.Runtime.Cluster;
using ClearingCluster.Runtime.Durability;
using ClearingCluster.Runtime.Transport;

namespace ClearingCluster.TestSupport;

/// <summary>
/// Ownership set by hand for runtimes in one process (tests, benchmarks): which silo serves each partition — what each
/// silo's <see cref="Guard"/> serves and what every <see cref="Directory"/> read says — and where each silo's transport
/// listens. No leases, no database.
/// </summary>
public sealed class FixedCluster(Func<int, string?> ownerOf)
{
    private readonly string?[] owners = [.. Enumerable.Range(0, Partitions.Count).Select(ownerOf)];
    private readonly List<(string Name, Func<int> Port)> silos = [];

    public IClusterDirectory Directory => new FixedDirectory(this);

    /// <summary>From now on <paramref name="partition"/> is served by <paramref name="silo"/> (null: nobody); maps learn it when they next read.</summary>
    public void Move(int partition, string? silo) => Volatile.Write(ref owners[partition], silo);

    public string? OwnerOf(int partition) => Volatile.Read(ref owners[partition]);

    public IPartitionGuard Guard(string silo) => new OwnersGuard(owners, silo);

    /// <summary>A key of grain type <paramref name="grainType"/> whose partition <paramref name="silo"/> serves.</summary>
    public string KeyServedBy(string grainType, string silo, string prefix = "k") =>
        Enumerable.Range(0, 10_000).Select(i => $"{prefix}-{i}").First(k => OwnerOf(Partitions.Of(GrainId.Create(grainType, k))) == silo);

    /// <summary>
    /// Gives <paramref name="runtime"/> its transport on a loopback port and a map reading this ownership, and lists it
    /// among the silos every directory read names.
    /// </summary>
    public (SiloTransport Transport, PartitionMap Map) Connect(GrainRuntime runtime, string silo, TransportOptions? options = null)
    {
        var map = new PartitionMap(Directory, TimeSpan.FromMilliseconds(5));
        var transport = new SiloTransport(runtime, map, options ?? new TransportOptions(), new ClusterTimings(), silo, "127.0.0.1", 0,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<SiloTransport>.Instance);
        transport.Start();
        Listening(silo, transport);
        return (transport, map);
    }

    /// <summary>Adds a silo's transport to the membership every directory read lists.</summary>
    public void Listening(string silo, SiloTransport transport)
    {
        lock (silos)
        {
            silos.Add((silo, () => transport.Self.Port));
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

    private sealed class FixedDirectory(FixedCluster cluster) : IClusterDirectory
    {
        public Task<ClusterView> ReadAsync(CancellationToken cancellationToken)
        {
            var now = DateTimeOffset.UtcNow;
            var nowMicros = now.ToUnixTimeMilliseconds() * 1000;
            var rows = Enumerable.Range(0, Partitions.Count)
                .Select(p => cluster.OwnerOf(p) is { } owner ? new PartitionOwner(p, owner, 1, nowMicros + 10_000_000) : PartitionOwner.Unowned(p))
                .ToList();
            List<MembershipEntry> members;
            lock (cluster.silos)
            {
                members = [.. cluster.silos.Select(s => new MembershipEntry("127.0.0.1", s.Port(), 1, s.Name, "local", SiloStatus.Active, null, now, now))];
            }
            return Task.FromResult(new ClusterView(rows, nowMicros, new MembershipView(members, 1, now)));
        }
    }
}
