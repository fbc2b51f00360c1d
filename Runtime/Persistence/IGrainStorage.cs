namespace ClearingCluster.Runtime;

/// <summary>A stored state: its serialised payload (null when cleared or never written) and its version.</summary>
public readonly record struct StoredState(byte[]? Payload, long Version);

/// <summary>
/// Durable storage of grain state with optimistic concurrency. Versions start at 1 on first write and grow by
/// one per write or clear; a write or clear whose expected version is not the stored one must throw
/// <see cref="InconsistentStateException"/> and change nothing.
/// </summary>
public interface IGrainStorage
{
    Task<StoredState> ReadAsync(GrainId grainId, string stateName, CancellationToken cancellationToken);

    /// <returns>The new version.</returns>
    Task<long> WriteAsync(GrainId grainId, string stateName, byte[] payload, long expectedVersion, CancellationToken cancellationToken);

    /// <returns>The new version (the record remains as a tombstone so versions never go back).</returns>
    Task<long> ClearAsync(GrainId grainId, string stateName, long expectedVersion, CancellationToken cancellationToken);
}
