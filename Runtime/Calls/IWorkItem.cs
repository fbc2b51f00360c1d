namespace ClearingCluster.Runtime.Calls;

/// <summary>
/// One unit of work in a grain's mailbox: a call from a caller, a timer tick, a reminder or a stream
/// delivery. The activation runs work items one at a time (read-only ones may interleave).
/// </summary>
internal interface IWorkItem
{
    bool IsReadOnly { get; }

    /// <summary>Starts beside anything, and does not hold others back (<see cref="AlwaysInterleaveAttribute"/>).</summary>
    bool IsInterleaving { get; }

    /// <summary>Calls keep a grain alive; timer ticks do not, so a grain with only a timer is still collected.</summary>
    bool KeepsAlive { get; }

    /// <summary>When the caller stops waiting (<see cref="RuntimeClock"/> ms); long.MaxValue for none.</summary>
    long DeadlineMs { get; set; }

    /// <summary>Done already (for instance timed out before it ran): the activation skips it.</summary>
    bool IsDone { get; }

    string Description { get; }

    Task Start(Grain grain);

    void Complete(Task finished);

    void Fail(Exception error);
}
