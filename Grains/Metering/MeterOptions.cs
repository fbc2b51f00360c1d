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

    /// <summary>
    /// How long a contract remembers the call ids it counted: a call dated within this span of the clock whose id the
    /// contract already counted is refused as <c>duplicate_call</c> and billed once. Zero turns deduplication off.
    /// </summary>
    public TimeSpan CallIdWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Call ids a meter shard aims to hold in memory (14–28 bytes each). Beyond it, expired calls are dropped and the
    /// least recently used contracts' windows are forgotten, to be read from storage again when those contracts are next
    /// seen: deduplication stays exact, and the cost is a read. Windows in use by parts on their way to storage are kept,
    /// so contracts busy all the time hold every call of their window (docs/METERING.md).
    /// </summary>
    public long CallIdsRememberedMax { get; set; } = 4_000_000;

    /// <summary>
    /// How far back a shard reads a contract's calls from storage when it first sees the contract: the calls of that
    /// span come into memory at once; an older call still inside the window is looked up in storage when it comes again
    /// (by its contract, id and time). Keeps a restart's first batches quick whatever a day's volume.
    /// </summary>
    public TimeSpan CallIdReadBack { get; set; } = TimeSpan.FromHours(1);

    public void Validate()
    {
        if (ShardCount is < 1 or > MeterShards.CountMax || CallIdWindow < TimeSpan.Zero || CallIdsRememberedMax < 1 || FutureSkew < TimeSpan.Zero
            || CallIdReadBack <= TimeSpan.Zero)
        {
            throw new InvalidOperationException(
                $"Clearing:Metering: ShardCount must be 1–{MeterShards.CountMax}, CallIdWindow and FutureSkew not negative, CallIdsRememberedMax at least 1, CallIdReadBack positive");
        }
    }
}
