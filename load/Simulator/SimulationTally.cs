using System.Collections.Concurrent;

namespace ClearingCluster.Load.Simulator;

/// <summary>What the simulator saw acknowledged, to check the exchange against: units per contract, orders, errors, latencies.</summary>
public sealed class SimulationTally
{
    private readonly object gate = new();
    private readonly List<double> orderLatenciesMs = [];
    private readonly List<double> usageLatenciesMs = [];

    public ConcurrentDictionary<string, long> UnitsByContract { get; } = new(StringComparer.Ordinal);

    public long OrdersPlaced;
    public long OrdersRefused;
    public long OrdersCancelled;
    public long UsageRecordsAccepted;
    public long UsageRecordsRejected;
    public long Queries;
    public long CutOffs;
    public long Errors;
    public long Resent;

    /// <summary>Usage batches sent but not acknowledged (an error, a lost answer): resent at the end.</summary>
    public ConcurrentQueue<ClearingCluster.Wire.UsageBatchRequest> InDoubt { get; } = new();

    /// <summary>Orders sent but not answered definitely: resent at the end with the same client order id.</summary>
    public ConcurrentQueue<(ClearingCluster.Client.ClearingClient Client, ClearingCluster.Wire.OrderRequest Order)> InDoubtOrders { get; } = new();
    public ConcurrentQueue<string> ErrorSamples { get; } = new();

    public void OrderLatency(double ms)
    {
        lock (gate)
        {
            orderLatenciesMs.Add(ms);
        }
    }

    public void UsageLatency(double ms)
    {
        lock (gate)
        {
            usageLatenciesMs.Add(ms);
        }
    }

    public void Error(string what)
    {
        Interlocked.Increment(ref Errors);
        if (ErrorSamples.Count < 20)
        {
            ErrorSamples.Enqueue(what);
        }
    }

    /// <summary>p50, p99 and p99.9 of order or usage latencies, in ms (0 with none).</summary>
    public (double P50, double P99, double P999) Percentiles(bool orders)
    {
        double[] sorted;
        lock (gate)
        {
            sorted = [.. orders ? orderLatenciesMs : usageLatenciesMs];
        }
        Array.Sort(sorted);
        double At(double q) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
        return (At(0.5), At(0.99), At(0.999));
    }
}
