namespace ClearingCluster.TestSupport;

/// <summary>The real clock, moved on by hand: a test steps past a window (a day, a lease) without waiting for it.</summary>
public sealed class ShiftedClock : TimeProvider
{
    public TimeSpan Shift { get; set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Shift;
}
