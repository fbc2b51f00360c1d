namespace ClearingCluster.Load.Simulator;

/// <summary>
/// A run's latencies of one kind: the whole run's histogram, and the current interval's, which the once-a-second
/// timeline takes and replaces. A value recorded while the interval is being swapped may land in the interval just
/// taken, after it was read: it is missing from that second's percentiles only, never from the whole.
/// </summary>
public sealed class LatencyRecorder
{
    private LatencyHistogram interval = new();

    public LatencyHistogram Whole { get; } = new();

    public void Record(long micros)
    {
        Whole.Record(micros);
        Volatile.Read(ref interval).Record(micros);
    }

    public LatencyHistogram TakeInterval() => Interlocked.Exchange(ref interval, new LatencyHistogram());
}
