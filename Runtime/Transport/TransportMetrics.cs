using System.Diagnostics.Metrics;

namespace ClearingCluster.Runtime.Transport;

/// <summary>The transport's instruments, under the meter <c>ClearingCluster.Transport</c>.</summary>
internal sealed class TransportMetrics : IDisposable
{
    private readonly Meter meter = new("ClearingCluster.Transport");
    private readonly Counter<long> sent;
    private readonly Counter<long> received;
    private readonly Counter<long> rerouted;
    private readonly Histogram<double> latency;

    public TransportMetrics(Func<int> connections)
    {
        sent = meter.CreateCounter<long>("silo_calls_sent", description: "calls sent to the silo serving their grain's partition, by outcome");
        received = meter.CreateCounter<long>("silo_calls_received", description: "calls other silos sent here");
        rerouted = meter.CreateCounter<long>("silo_calls_rerouted",
            description: "calls that waited for a partition's owner (a hand-over, a stale map, an owner that refused or could not be reached)");
        latency = meter.CreateHistogram<double>("silo_call_duration", unit: "s", description: "silo-to-silo calls from sending to the answer");
        meter.CreateObservableGauge("silo_connections", connections, description: "open silo-to-silo connections");
    }

    public void Sent(string outcome, double seconds)
    {
        sent.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        if (seconds > 0)
        {
            latency.Record(seconds);
        }
    }

    public void Received() => received.Add(1);

    public void Rerouted() => rerouted.Add(1);

    public void Dispose() => meter.Dispose();
}
