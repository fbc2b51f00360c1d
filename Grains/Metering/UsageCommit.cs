using ClearingCluster.Runtime.Durability;

namespace ClearingCluster.Grains.Metering;

/// <summary>One batch part a shard counted, for the commit log: its accepted records, totals and stored answer.</summary>
public sealed class UsageCommit(int shard, string cycleId, CommittedPart part) : CommitItem(Math.Max(1, part.Accepted.Count))
{
    public int Shard { get; } = shard;

    public string CycleId { get; } = cycleId;

    public CommittedPart Part { get; } = part;
}
