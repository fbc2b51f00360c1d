namespace ClearingCluster.Runtime;

public enum DeactivationReason
{
    /// <summary>Idle longer than the collection age.</summary>
    IdleCollection,

    /// <summary>The grain asked for it with <see cref="Grain.DeactivateOnIdle"/>.</summary>
    RequestedByGrain,

    /// <summary>A state write lost a concurrency race; the activation's state can no longer be trusted.</summary>
    InconsistentState,

    /// <summary>The runtime is stopping.</summary>
    RuntimeShutdown,

    /// <summary>The silo no longer serves the grain's partition, or serves it in a newer epoch than the activation's.</summary>
    PartitionMoved,
}
