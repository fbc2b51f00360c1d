using ClearingCluster.Runtime.Durability;

namespace ClearingCluster.Runtime.Cluster;

/// <summary>
/// What this silo may act for. The runtime asks before it delivers a call to a grain; the commit log asks when a grain
/// opens its writer, and every flush of that writer then carries the partition's fence, so a silo that lost a
/// partition can neither answer for its grains nor commit for them (docs/CLUSTER.md).
/// </summary>
public interface IPartitionGuard
{
    /// <summary>
    /// The epoch in which this silo may act for <paramref name="partition"/> now; 0 when ownership is not kept (every
    /// partition is served, unfenced); null when the silo must not act for it (not held, or its local deadline passed).
    /// </summary>
    long? ServingEpoch(int partition);

    /// <summary>The fence a writer of <paramref name="partition"/> carries; null when ownership is not kept.</summary>
    /// <exception cref="PartitionMovedException">The silo does not serve the partition now.</exception>
    WriterFence? FenceFor(int partition);

    /// <summary>Partitions this silo has just taken (each in a new epoch): what is kept per partition, such as reminders, is read again.</summary>
    event Action<IReadOnlyCollection<int>>? Gained;
}

/// <summary>Ownership not kept (tests that drive it by hand, a runtime without a database): everything is served, nothing fenced.</summary>
public sealed class UnfencedPartitions : IPartitionGuard
{
    public static readonly UnfencedPartitions Instance = new();

    private UnfencedPartitions()
    {
    }

    public long? ServingEpoch(int partition) => 0;

    public WriterFence? FenceFor(int partition) => null;

    /// <summary>Never raised: every partition is served from the start.</summary>
    public event Action<IReadOnlyCollection<int>>? Gained
    {
        add { }
        remove { }
    }
}
