using System.Collections.Concurrent;
using ClearingCluster.Client;
using ClearingCluster.Wire;

namespace ClearingCluster.Load.Simulator;

/// <summary>What the simulator saw acknowledged, to check the exchange against: units per contract, orders, errors, latencies.</summary>
public sealed class SimulationTally
{
    public ConcurrentDictionary<string, long> UnitsByContract { get; } = new(StringComparer.Ordinal);

    public long OrdersPlaced;
    public long OrdersRefused;
    public long OrdersCancelled;
    public long OrderBatches;
    public long UsageRecordsAccepted;
    public long UsageRecordsRejected;
    public long Queries;
    public long CutOffs;
    public long Errors;
    public long Resent;
    public long InDoubtRequests;

    /// <summary>Per order, from its due time to its answer (a batch's orders each count the batch's answer).</summary>
    public LatencyRecorder OrderLatency { get; } = new();

    /// <summary>Per usage batch, from its due time to its acknowledgement.</summary>
    public LatencyRecorder UsageLatency { get; } = new();

    /// <summary>Each cycle's cut-off, compute and settle call, in ms.</summary>
    public ConcurrentQueue<double> CutOffMs { get; } = new();
    public ConcurrentQueue<double> ComputeMs { get; } = new();
    public ConcurrentQueue<double> SettleMs { get; } = new();

    /// <summary>Usage batches sent but not acknowledged (an error, a lost answer): resent at the end.</summary>
    public ConcurrentQueue<UsageBatchRequest> InDoubt { get; } = new();

    /// <summary>Orders sent but not answered definitely: resent at the end with the same client order ids.</summary>
    public ConcurrentQueue<(ClearingClient Client, IReadOnlyList<OrderRequest> Orders)> InDoubtOrders { get; } = new();
    public ConcurrentQueue<string> ErrorSamples { get; } = new();

    /// <summary>Orders answered so far (placed or refused by rule); usage records answered (accepted or rejected).</summary>
    public long OrdersAnswered => Interlocked.Read(ref OrdersPlaced) + Interlocked.Read(ref OrdersRefused);

    public long UsageRecordsAnswered => Interlocked.Read(ref UsageRecordsAccepted) + Interlocked.Read(ref UsageRecordsRejected);

    public void Error(string what)
    {
        Interlocked.Increment(ref Errors);
        if (ErrorSamples.Count < 20)
        {
            ErrorSamples.Enqueue(what);
        }
    }
}
