namespace ClearingCluster.Runtime.Durability;

/// <summary>One flush: every item taken from the lane, in submission order, and the distinct fences they carry.</summary>
public sealed record CommitBatch(long FlushSequence, IReadOnlyList<CommitItem> Items, IReadOnlyList<WriterFence> Fences);

/// <summary>
/// Where the commit log lands. <see cref="CommitAsync"/> writes a whole batch in one transaction, or nothing: if
/// any fence's epoch is no longer the writer's current one it changes nothing and throws
/// <see cref="StaleWriterException"/> naming those fences; any other failure throws as it is.
/// </summary>
public interface ICommitStore
{
    /// <summary>Claims the next epoch of <paramref name="writer"/>, durably; from then on older epochs cannot commit.</summary>
    Task<long> ClaimEpochAsync(string writer, CancellationToken cancellationToken);

    Task CommitAsync(CommitBatch batch, CancellationToken cancellationToken);
}
