using System.Diagnostics.Metrics;

namespace ClearingCluster.Runtime.Durability;

/// <summary>Meter <c>ClearingCluster.Commit</c>: flushes, their size and duration, failures, stale writers, refusals, pending work.</summary>
public sealed class GroupCommitMetrics : IDisposable
{
    public const string MeterName = "ClearingCluster.Commit";

    private readonly Meter meter = new(MeterName);
    private readonly Counter<long> flushes;
    private readonly Counter<long> failures;
    private readonly Counter<long> staleItems;
    private readonly Counter<long> refusals;
    private readonly Histogram<double> duration;
    private readonly Histogram<long> flushRecords;
    private readonly Histogram<long> flushItems;
    private Func<long> pending = () => 0;

    public GroupCommitMetrics()
    {
        flushes = meter.CreateCounter<long>("commit_flushes", description: "flushes committed (one transaction each)");
        failures = meter.CreateCounter<long>("commit_flush_failures", description: "flushes that failed: their items were refused and their writers reload");
        staleItems = meter.CreateCounter<long>("commit_stale_items", description: "items refused because a newer activation owns their writer");
        refusals = meter.CreateCounter<long>("commit_refusals", description: "requests refused because the commit log was full (503)");
        duration = meter.CreateHistogram<double>("commit_flush_duration", unit: "s", description: "time to make a flush durable");
        flushRecords = meter.CreateHistogram<long>("commit_flush_records", description: "records per flush");
        flushItems = meter.CreateHistogram<long>("commit_flush_items", description: "items (grain submissions) per flush");
        meter.CreateObservableGauge("commit_pending_records", () => pending(), description: "records waiting for or in a flush");
    }

    public long Flushes { get; private set; }

    internal void Observe(Func<long> pendingRecords) => pending = pendingRecords;

    internal void Flushed(int items, long records, TimeSpan took)
    {
        Flushes++;
        flushes.Add(1);
        flushItems.Record(items);
        flushRecords.Record(records);
        duration.Record(took.TotalSeconds);
    }

    internal void FlushFailed() => failures.Add(1);

    internal void StaleItem() => staleItems.Add(1);

    internal void Refused() => refusals.Add(1);

    public void Dispose() => meter.Dispose();
}
