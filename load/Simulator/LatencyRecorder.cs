namespace ClearingCluster.Load.Simulator;

/// <summary>
/// A run's latencies of one kind: the measured part's histogram (<see cref="Whole"/>, started again when a warm-up
/// ends), and the current interval's, which the once-a-second timeline takes and replaces. A value recorded while a
/// histogram is being swapped may land in the one just taken, after it was read: it is missing from that second's (or
/// the warm-up's) percentiles only.
/// </summary>
public sealed class LatencyRecorder
{
    private LatencyHistogram interval = new();
    private LatencyHistogram whole = new();

    public LatencyHistogram Whole => Volatile.Read(ref whole);

    public void Record(long micros)
    {
        Volatile.Read(ref whole).Record(micros);
        Volatile.Read(ref interval).Record(micros);
    }

    public LatencyHistogram TakeInterval() => Interlocked.Exchange(ref interval, new LatencyHistogram());

    /// <summary>Forgets what the warm-up recorded: from now on <see cref="Whole"/> is the measured part alone.</summary>
    public void StartMeasuring() => Interlocked.Exchange(ref whole, new LatencyHistogram());
}
