namespace ClearingCluster.Runtime.Durability;

/// <summary>One flush: every item taken from the lane, in submission order, and the distinct fences they carry.</summary>
public sealed record CommitBatch(long FlushSequence, IReadOnlyList<CommitItem> Items, IReadOnlyList<WriterFence> Fences);

/// <summary>
/// Where the commit log lands. <see cref="Commit"/> writes a whole batch in one transaction, or nothing: if any
/// fence's epoch is no longer the writer's current one it changes nothing and throws <see cref="StaleWriterException"/>
/// naming those fences; any other failure throws as it is. It is called on the log's own thread and blocks it: the
/// flush never waits in the thread pool's queue behind the requests it is answering.
/// </summary>
public interface ICommitStore
{
    /// <summary>Claims the next epoch of <paramref name="writer"/>, durably; from then on older epochs cannot commit.</summary>
    Task<long> ClaimEpochAsync(string writer, CancellationToken cancellationToken);

    void Commit(CommitBatch batch);
}
