namespace ClearingCluster.Grains.Metering;

/// <summary>Metering's sizes and periods (configuration section <c>Clearing:Metering</c>).</summary>
public sealed class MeterOptions
{
    /// <summary>How many meter shards share the contracts. Changing it moves contracts between shards: only between cycles.</summary>
    public int ShardCount { get; set; } = 8;

    /// <summary>What a producer refused for a failed or full commit log is told to wait before retrying.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How far ahead of this clock a call may be dated; later ones are refused as <c>future_call</c>.</summary>
    public TimeSpan FutureSkew { get; set; } = TimeSpan.FromMinutes(5);
}
