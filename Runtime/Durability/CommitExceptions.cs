namespace ClearingCluster.Runtime.Durability;

/// <summary>The commit log holds its limit of pending work: nothing was taken; retry after <see cref="RetryAfter"/> (503).</summary>
public sealed class CommitRefusedException(string message, TimeSpan retryAfter) : Exception(message)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>
/// The flush holding the item did not commit (or an earlier item of the same writer failed): none of it is durable.
/// The writer's memory is ahead of storage, so the writer refuses everything after it and its owner reloads.
/// </summary>
public sealed class CommitFailedException(string message, Exception? inner, TimeSpan retryAfter) : Exception(message, inner)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>A newer activation claimed the writer: this one may never commit again (its owner must step down).</summary>
public sealed class StaleWriterException(IReadOnlyCollection<WriterFence> fences)
    : Exception($"stale writer epoch: {string.Join(", ", fences)}; a newer activation owns it")
{
    public IReadOnlyCollection<WriterFence> Fences { get; } = fences;
}
