namespace ClearingCluster.Runtime.Transport;

/// <summary>The silo-to-silo transport's named limits (configuration section <c>Clearing:Transport</c>, docs/CLUSTER.md).</summary>
public sealed class TransportOptions
{
    /// <summary>Whether this silo listens for, and sends, calls to grains of partitions other silos hold.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The largest frame a silo sends or takes (a call's arguments or its answer). The largest call today is a usage
    /// batch's part for one meter shard: 10,000 records of ~200 bytes of JSON, about 2 MB.
    /// </summary>
    public int MaxFrameBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Calls sent on one connection and not yet answered; beyond it a call is refused (503, nothing done).</summary>
    public int MaxInFlightPerConnection { get; set; } = 10_000;

    /// <summary>How long opening a connection to another silo may take before the call is refused (nothing done).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a call for a partition in hand-over (released, not yet taken; or its owner unknown or unreachable) waits
    /// for the partition's new owner before it is answered <c>moved</c>: a few keeper rounds' worth of a hand-over.
    /// </summary>
    public TimeSpan HandOverWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often, at most, a silo reads the partition map again because a call found it stale.</summary>
    public TimeSpan MapRefreshAtMost { get; set; } = TimeSpan.FromMilliseconds(50);

    public void Validate()
    {
        if (MaxFrameBytes is < 64 * 1024 or > 256 * 1024 * 1024 || MaxInFlightPerConnection < 1 || ConnectTimeout <= TimeSpan.Zero
            || HandOverWait < TimeSpan.Zero || MapRefreshAtMost <= TimeSpan.Zero)
        {
            throw new InvalidOperationException(
                "Clearing:Transport: MaxFrameBytes 64 KiB–256 MiB, MaxInFlightPerConnection ≥ 1, ConnectTimeout > 0, HandOverWait ≥ 0, MapRefreshAtMost > 0");
        }
    }
}
