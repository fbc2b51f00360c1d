namespace ClearingCluster.Runtime;

/// <summary>A grain's mailbox holds its limit of queued calls; the caller should back off and retry.</summary>
public sealed class GrainMailboxFullException(GrainId grainId, int capacity)
    : Exception($"grain {grainId} has {capacity} calls queued, its limit; retry later")
{
    public GrainId GrainId { get; } = grainId;

    public int Capacity { get; } = capacity;
}

/// <summary>A call did not complete within the configured call timeout.</summary>
public sealed class GrainCallTimeoutException(GrainId grainId, string method, TimeSpan timeout)
    : TimeoutException($"call {method} on grain {grainId} did not complete within {timeout.TotalMilliseconds:0} ms")
{
    public GrainId GrainId { get; } = grainId;

    public string Method { get; } = method;

    public TimeSpan Timeout { get; } = timeout;
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

    public string? Grain { get; } = grain;

    /// <summary>Whether <paramref name="error"/> is this, or a grain's activation that failed because of this (it called a grain served elsewhere).</summary>
    public static bool Caused(Exception error) =>
        error is PartitionMovedException || (error is GrainActivationException && error.InnerException is PartitionMovedException);
}

/// <summary>
/// A call to a grain another silo serves got no answer from it: the silo could not be reached, was too busy, or the
/// connection broke. <see cref="MayHaveRun"/> false: nothing was done, retry. True: it was sent and may have been done,
/// so only a repeat with the same reference is safe.
/// </summary>
public sealed class SiloCallFailedException(string silo, bool mayHaveRun, string reason)
    : Exception(mayHaveRun
        ? $"the call was sent to silo {silo} but no answer came ({reason}): it may have been done; repeat it with the same reference"
        : $"silo {silo} could not take the call ({reason}): nothing was done; retry")
{
    public string Silo { get; } = silo;

    public bool MayHaveRun { get; } = mayHaveRun;

    public string Reason { get; } = reason;
}
