using System.Collections.Concurrent;
using System.Diagnostics;

namespace ClearingCluster.Load.Simulator;

/// <summary>One second of a run: what was acknowledged in it and its latencies (from due times), in ms.</summary>
public sealed record TimelinePoint(
    double Second, long Orders, long UsageRecords, long Errors, double OrderP50Ms, double OrderP99Ms, double OrderP999Ms, double UsageP50Ms,
    double UsageP99Ms, double UsageP999Ms, long? GatewayMegabytes, long? GatewayHeapMegabytes);

/// <summary>Something that happened at a moment of the run: a cut-off, a settlement, a kill.</summary>
public sealed record SimulationEvent(double Second, string Kind, string What);

/// <summary>
/// The run second by second, for the live view, the JSON result and the HTML report's charts: every sample takes the
/// interval's latencies (<see cref="LatencyRecorder.TakeInterval"/>) and the counters' growth since the last one.
/// </summary>
public sealed class SimulationTimeline(SimulationTally tally, GatewayMemoryProbe? memory = null)
{
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly List<TimelinePoint> points = [];
    private readonly ConcurrentQueue<SimulationEvent> events = new();
    private (long Orders, long Usage, long Errors) last;

    public TimeSpan Elapsed => clock.Elapsed;

    public IReadOnlyList<TimelinePoint> Points => points;

    public IReadOnlyList<SimulationEvent> Events => [.. events.OrderBy(e => e.Second)];

    public void Event(string kind, string what) => events.Enqueue(new SimulationEvent(Math.Round(clock.Elapsed.TotalSeconds, 2), kind, what));

    /// <summary>The second just ended, rates per second over the time since the previous sample. Called by one caller at a time.</summary>
    public async Task<TimelinePoint> SampleAsync()
    {
        var gateway = memory is null ? null : await memory.ReadAsync();
        var now = clock.Elapsed.TotalSeconds;
        var span = Math.Max(1e-3, now - (points.Count > 0 ? points[^1].Second : 0));
        var (orders, usage) = (tally.OrdersAnswered, tally.UsageRecordsAnswered);
        var errors = Interlocked.Read(ref tally.Errors);
        var orderLatency = tally.OrderLatency.TakeInterval();
        var usageLatency = tally.UsageLatency.TakeInterval();
        var point = new TimelinePoint(Math.Round(now, 2), (long)((orders - last.Orders) / span), (long)((usage - last.Usage) / span), errors - last.Errors,
            orderLatency.MillisecondsAt(0.5), orderLatency.MillisecondsAt(0.99), orderLatency.MillisecondsAt(0.999),
            usageLatency.MillisecondsAt(0.5), usageLatency.MillisecondsAt(0.99), usageLatency.MillisecondsAt(0.999), gateway?.ResidentMegabytes,
            gateway?.HeapMegabytes);
        last = (orders, usage, errors);
        points.Add(point);
        return point;
    }
}
