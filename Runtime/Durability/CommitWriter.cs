namespace ClearingCluster.Runtime.Durability;

/// <summary>
/// One activation's handle on the commit log: its fence, and whether it may still write. Once any of its items
/// fails, the writer is failed for good: its memory is ahead of storage, so every later item is refused and the
/// owner reloads from storage under a new epoch (a new activation opens a new writer).
/// </summary>
public sealed class CommitWriter
{
    private readonly GroupCommit lane;
    private Exception? failure;

    internal CommitWriter(GroupCommit lane, WriterFence fence, WriterFence? partitionFence = null)
    {
        this.lane = lane;
        Fence = fence;
        PartitionFence = partitionFence;
        Fences = partitionFence is { } partition ? [fence, partition] : [fence];
    }

    /// <summary>This activation's own epoch.</summary>
    public WriterFence Fence { get; }

    /// <summary>Its grain's partition in the epoch the silo held it when the writer opened; null when ownership is not kept.</summary>
    public WriterFence? PartitionFence { get; }

    /// <summary>What every flush of this writer's items checks: <see cref="Fence"/> and <see cref="PartitionFence"/>; carried whole by another writer's item that commits a decision of this one.</summary>
    public IReadOnlyList<WriterFence> Fences { get; }

    /// <summary>Why this writer may no longer write; null while it may.</summary>
    public Exception? Failure => Volatile.Read(ref failure);

    public bool IsFailed => Failure is not null;

    /// <summary>
    /// Throws <see cref="CommitRefusedException"/> when the log cannot take <paramref name="records"/> more now, and the
    /// writer's failure when it is failed. Call it before changing memory: a refused request then changes nothing.
    /// </summary>
    public void EnsureCanCommit(int records)
    {
        if (Failure is { } failed)
        {
            throw failed;
        }
        lane.EnsureCapacity(records);
    }

    /// <summary>Queues the item behind everything submitted before it; completes once the flush holding it has committed.</summary>
    public Task CommitAsync(CommitItem item) => lane.Submit(this, item);

    internal void MarkFailed(Exception error) => Interlocked.CompareExchange(ref failure, error, null);
}
