using System.Globalization;

namespace ClearingCluster.Load.Simulator;

/// <summary>Median and largest of a few durations (a run's cut-offs, computes, settles), in ms.</summary>
public sealed record DurationSummary(int Count, double MedianMs, double MaxMs)
{
    public static DurationSummary Of(IEnumerable<double> ms)
    {
        var sorted = ms.Order().ToArray();
        return sorted.Length == 0 ? new DurationSummary(0, 0, 0) : new DurationSummary(sorted.Length, sorted[sorted.Length / 2], sorted[^1]);
    }

    public override string ToString() =>
        Count == 0 ? "none" : string.Create(CultureInfo.InvariantCulture, $"median {MedianMs:0.0} ms, max {MaxMs:0.0} ms over {Count}");
}

/// <summary>Latency percentiles of a whole run, in ms, from each request's due time.</summary>
public sealed record LatencySummary(long Count, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs)
{
    public static LatencySummary Of(LatencyHistogram histogram) => new(histogram.Count, histogram.MillisecondsAt(0.5), histogram.MillisecondsAt(0.9),
        histogram.MillisecondsAt(0.99), histogram.MillisecondsAt(0.999), histogram.MaxMicros / 1000.0);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"p50 {P50Ms:0.0} · p90 {P90Ms:0.0} · p99 {P99Ms:0.0} · p99.9 {P999Ms:0.0} · max {MaxMs:0.0} ms ({Count:N0} samples)");
}

/// <summary>What a run did and whether every check held: the summary table, <c>--out</c>'s JSON and the HTML report.</summary>
public sealed record SimulationResult
{
    public required string Profile { get; init; }
    public required string RunId { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    /// <summary>The measured part of the run (after any warm-up); its rates and percentiles are over this part.</summary>
    public required double Seconds { get; init; }

    /// <summary>When measuring began, from the flows' start (0 without a warm-up).</summary>
    public double WarmupSeconds { get; init; }
    public required string Load { get; init; }
    public required string World { get; init; }
    public required long OrdersPlaced { get; init; }
    public required long OrdersRefused { get; init; }
    public required long OrdersCancelled { get; init; }
    public required long OrderBatches { get; init; }
    public required double OrdersPerSecond { get; init; }
    public required long UsageRecordsAccepted { get; init; }
    public required long UsageRecordsRejected { get; init; }
    public required double UsageRecordsPerSecond { get; init; }
    public required long Queries { get; init; }
    public required long CutOffs { get; init; }
    public required long Errors { get; init; }
    public required IReadOnlyList<string> ErrorSamples { get; init; }
    public required LatencySummary OrderLatency { get; init; }
    public required LatencySummary UsageBatchLatency { get; init; }
    public required DurationSummary CutOff { get; init; }
    public required DurationSummary Compute { get; init; }
    public required DurationSummary Settle { get; init; }
    public required IReadOnlyList<CheckOutcome> Checks { get; init; }
    public required IReadOnlyList<string> Failures { get; init; }
    public required IReadOnlyList<TimelinePoint> Timeline { get; init; }
    public required IReadOnlyList<SimulationEvent> Events { get; init; }
    public int Kills { get; init; }
    /// <summary>Requests the typed client sent again because an answer was lost (counted once each), and its repeats in all.</summary>
    public long RepeatedByClient { get; init; }
    public long ClientRepeats { get; init; }

    /// <summary>Requests still unanswered after the client's repeats, and how many of them the simulator resent at the end.</summary>
    public long UnansweredAtEnd { get; init; }
    public long ResentAtEnd { get; init; }
    public long LostUnits { get; init; }
    public long DoubleCountedUnits { get; init; }
    public long MicrosCreated { get; init; }

    /// <summary>The chaos report's sums in a sentence: kills, requests in doubt, and what was lost, doubled, created.</summary>
    public string ChaosText() => string.Create(CultureInfo.InvariantCulture,
        $"{Kills} kills; in doubt: {RepeatedByClient:N0} requests repeated by the client ({ClientRepeats:N0} repeats), {UnansweredAtEnd:N0} still "
        + $"unanswered then resent at the end ({ResentAtEnd:N0} answered); {LostUnits:N0} units lost, {DoubleCountedUnits:N0} counted twice, "
        + $"{MicrosCreated:N0} µ¥ created or destroyed");

    /// <summary>Every check held; and, unless the Gateway was killed on purpose, no request failed.</summary>
    public bool Ok => Failures.Count == 0 && (Kills > 0 || Errors == 0);
}
