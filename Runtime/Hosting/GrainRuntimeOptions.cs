namespace ClearingCluster.Runtime;

/// <summary>The runtime's limits and periods. Every queue and wait has a named bound.</summary>
public sealed class GrainRuntimeOptions
{
    /// <summary>How long a caller waits for a call before it fails with <see cref="GrainCallTimeoutException"/>.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Calls queued per grain before further calls are refused with <see cref="GrainMailboxFullException"/>.</summary>
    public int MailboxCapacity { get; set; } = 10_000;

    /// <summary>An activation idle this long is collected (deactivated and dropped from memory).</summary>
    public TimeSpan CollectionAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Width of the collector's time buckets, and how often it looks at the due ones.</summary>
    public TimeSpan CollectionQuantum { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often queued calls are checked against their deadline.</summary>
    public TimeSpan TimeoutSweepPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long <see cref="Grain.OnDeactivateAsync"/> may run before its token is cancelled.</summary>
    public TimeSpan DeactivationTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the reminder service looks for due reminders (its resolution).</summary>
    public TimeSpan ReminderPollPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The shortest reminder period accepted; reminders are for durable, coarse schedules.</summary>
    public TimeSpan ReminderPeriodMin { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Items buffered per stream subscriber before a publisher waits.</summary>
    public int StreamSubscriberBufferMax { get; set; } = 10_000;

    internal void Validate()
    {
        if (CallTimeout <= TimeSpan.Zero || CollectionAge <= TimeSpan.Zero || CollectionQuantum <= TimeSpan.Zero
            || TimeoutSweepPeriod <= TimeSpan.Zero || ReminderPollPeriod <= TimeSpan.Zero)
        {
            throw new ArgumentException("grain runtime periods must be positive");
        }
        if (MailboxCapacity < 1 || StreamSubscriberBufferMax < 1)
        {
            throw new ArgumentException("grain runtime capacities must be at least 1");
        }
    }
}
