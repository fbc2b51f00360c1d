namespace ClearingCluster.Runtime;

/// <summary>A grain's mailbox holds its limit of queued calls; the caller should back off and retry.</summary>
public sealed class GrainMailboxFullException(GrainId grainId, int capacity)
    : Exception($"grain {grainId} has {capacity} calls queued, its limit; retry later")
{
    public GrainId GrainId { get; } = grainId;
}

/// <summary>A call did not complete within the configured call timeout.</summary>
public sealed class GrainCallTimeoutException(GrainId grainId, string method, TimeSpan timeout)
    : TimeoutException($"call {method} on grain {grainId} did not complete within {timeout.TotalMilliseconds:0} ms")
{
    public GrainId GrainId { get; } = grainId;
}

/// <summary>A write lost an optimistic-concurrency race: another writer changed the state first.</summary>
public sealed class InconsistentStateException(string message) : Exception(message);

/// <summary>The grain could not be activated (state load or OnActivateAsync failed).</summary>
public sealed class GrainActivationException(GrainId grainId, Exception inner)
    : Exception($"grain {grainId} failed to activate: {inner.Message}", inner)
{
    public GrainId GrainId { get; } = grainId;
}

/// <summary>The runtime is stopping or stopped and takes no new calls.</summary>
public sealed class GrainRuntimeStoppedException()
    : Exception("the grain runtime is stopped and accepts no calls");

/// <summary>
/// This silo does not serve the grain's partition now: its lease ran out or another silo owns it. Nothing was done;
/// the caller retries (at the owner, once routing exists).
/// </summary>
public sealed class PartitionMovedException(int partition, string? grain = null)
    : Exception($"partition {partition}{(grain is null ? "" : $" (grain {grain})")} is not served by this silo: its lease ran out or it moved; retry")
{
    public int Partition { get; } = partition;

    /// <summary>Whether <paramref name="error"/> is this, or a grain's activation that failed because of this (it called a grain served elsewhere).</summary>
    public static bool Caused(Exception error) =>
        error is PartitionMovedException || (error is GrainActivationException && error.InnerException is PartitionMovedException);
}
