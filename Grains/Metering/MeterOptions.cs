namespace ClearingCluster.Grains.Metering;

/// <summary>Metering's sizes and periods (configuration section <c>Clearing:Metering</c>).</summary>
public sealed class MeterOptions
{
    /// <summary>How many meter shards share the contracts. Changing it moves contracts between shards: only between cycles.</summary>
    public int ShardCount { get; set; } = 8;

    /// <summary>How long a flush waits for more parts to join it once one is pending.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Accepted records waiting for their flush, per shard, before new parts are refused with 503.</summary>
    public int PendingRecordsMax { get; set; } = 200_000;

    /// <summary>After a failed flush, new parts are refused for this long (and told to retry after it).</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The cycle usage is counted in until clearing cycles exist.</summary>
    public string OpenCycleId { get; set; } = "open";
}
