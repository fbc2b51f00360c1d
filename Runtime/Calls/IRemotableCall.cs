namespace ClearingCluster.Runtime.Calls;

/// <summary>
/// A grain call that can cross to another silo: its method and arguments travel, its answer comes back. A call that
/// <see cref="Arrived"/> from another silo is answered here or refused: never sent on, so a stale map cannot make a
/// call go round in circles.
/// </summary>
internal interface IRemotableCall : IWorkItem
{
    GrainMethodInvoker Invoker { get; }

    object?[] Args { get; }

    bool Arrived { get; }

    /// <summary>Whether the grain's method began running: a call refused before that (moved, mailbox full) did nothing.</summary>
    bool Started { get; }

    /// <summary>The answer the owning silo sent back (null for a method returning <see cref="Task"/>).</summary>
    void SetRemoteResult(object? result);
}
