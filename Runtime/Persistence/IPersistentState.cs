namespace ClearingCluster.Runtime;

/// <summary>
/// A grain's durable state, injected through its constructor with <see cref="PersistentStateAttribute"/> and
/// loaded before <see cref="Grain.OnActivateAsync"/>. Writes are optimistic: each carries the version read,
/// and one that loses a race throws <see cref="InconsistentStateException"/> and drops the activation.
/// </summary>
public interface IPersistentState<TState> where TState : class, new()
{
    TState State { get; set; }

    /// <summary>The stored version this activation last read or wrote; 0 when nothing was ever stored.</summary>
    long Version { get; }

    bool RecordExists { get; }

    Task ReadStateAsync(CancellationToken cancellationToken = default);

    Task WriteStateAsync(CancellationToken cancellationToken = default);

    Task ClearStateAsync(CancellationToken cancellationToken = default);
}
