using System.Collections.Concurrent;

namespace ClearingCluster.Runtime;

/// <summary>Grain storage in process memory, with the same versioning rules as the PostgreSQL storage. For tests.</summary>
public sealed class MemoryGrainStorage : IGrainStorage
{
    private readonly ConcurrentDictionary<(GrainId, string), StoredState> records = new();

    public Task<StoredState> ReadAsync(GrainId grainId, string stateName, CancellationToken cancellationToken) =>
        Task.FromResult(records.TryGetValue((grainId, stateName), out var stored) ? stored : new StoredState(null, 0));

    public Task<long> WriteAsync(GrainId grainId, string stateName, byte[] payload, long expectedVersion, CancellationToken cancellationToken) =>
        Task.FromResult(Replace(grainId, stateName, payload, expectedVersion));

    public Task<long> ClearAsync(GrainId grainId, string stateName, long expectedVersion, CancellationToken cancellationToken) =>
        Task.FromResult(Replace(grainId, stateName, null, expectedVersion));

    private long Replace(GrainId grainId, string stateName, byte[]? payload, long expectedVersion)
    {
        var key = (grainId, stateName);
        var current = records.TryGetValue(key, out var stored) ? stored : new StoredState(null, 0);
        var next = new StoredState(payload, expectedVersion + 1);
        var replaced = current.Version == 0 && expectedVersion == 0
            ? records.TryAdd(key, next)
            : current.Version == expectedVersion && records.TryUpdate(key, next, current);
        if (!replaced)
        {
            throw new InconsistentStateException(
                $"state {stateName} of grain {grainId}: expected version {expectedVersion}, stored version is {current.Version}");
        }
        return next.Version;
    }
}
