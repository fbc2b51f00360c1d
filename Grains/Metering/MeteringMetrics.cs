using System.Diagnostics.Metrics;
using ClearingCluster.Interfaces.Metering;

namespace ClearingCluster.Grains.Metering;

/// <summary>Meter <c>ClearingCluster.Metering</c>: records by outcome, batch and part sizes; flushes are measured by the commit log.</summary>
public sealed class MeteringMetrics : IDisposable
{
    private readonly Meter meter = new("ClearingCluster.Metering");
    private readonly Counter<long> records;
    private readonly Histogram<long> partRecords;
    private readonly Histogram<long> batchRecords;
    private readonly Counter<long> flushFailures;
    private readonly Counter<long> replays;
    private readonly Counter<long> windowsLoaded;
    private readonly Counter<long> windowsForgotten;
    private readonly Counter<long> callsLookedUp;

    public MeteringMetrics()
    {
        records = meter.CreateCounter<long>("usage_records", description: "usage records by result (accepted or the rejection reason)");
        partRecords = meter.CreateHistogram<long>("usage_part_records", description: "records per batch part a shard applies");
        batchRecords = meter.CreateHistogram<long>("usage_batch_records", description: "records per usage batch received");
        flushFailures = meter.CreateCounter<long>("usage_flush_failures", description: "usage parts refused because their commit failed");
        windowsLoaded = meter.CreateCounter<long>("usage_call_windows_loaded",
            description: "contracts whose deduplication window a meter shard read from storage (first seen, or seen again after it was forgotten)");
        windowsForgotten = meter.CreateCounter<long>("usage_call_windows_forgotten",
            description: "contracts' deduplication windows dropped from memory to stay under Clearing:Metering:CallIdsRememberedMax (read again when next seen)");
        callsLookedUp = meter.CreateCounter<long>("usage_calls_looked_up",
            description: "records older than their contract's window in memory, looked up in storage before they were counted");
        replays = meter.CreateCounter<long>("usage_replays", description: "usage batches answered with their first answer (a producer re-sent them); their records are not counted again");
    }

    public void Applied(MeterAnswer answer, int records)
    {
        partRecords.Record(records);
        this.records.Add(answer.Accepted, new KeyValuePair<string, object?>("result", "accepted"));
        foreach (var group in answer.Rejected.GroupBy(r => r.Reason))
        {
            this.records.Add(group.Count(), new KeyValuePair<string, object?>("result", group.Key));
        }
    }

    public void Received(int records) => batchRecords.Record(records);

    public void BadRecords(int count)
    {
        if (count > 0)
        {
            records.Add(count, new KeyValuePair<string, object?>("result", "bad_record"));
        }
    }

    public void FlushFailed() => flushFailures.Add(1);

    public void Replayed() => replays.Add(1);

    public void WindowsLoaded(int contracts) => windowsLoaded.Add(contracts);

    public void CallsLookedUp(int records) => callsLookedUp.Add(records);

    public void WindowsForgotten(int contracts)
    {
        if (contracts > 0)
        {
            windowsForgotten.Add(contracts);
        }
    }

    public void Dispose() => meter.Dispose();
}
