namespace ClearingCluster.Runtime.Durability;

/// <summary>The commit log's bounds (configuration section <c>Clearing:Commit</c>).</summary>
public sealed class GroupCommitOptions
{
    /// <summary>Records waiting or being flushed before new items are refused with 503 + Retry-After.</summary>
    public int PendingRecordsMax { get; set; } = 2_000_000;

    /// <summary>Records one flush (one transaction) carries at most; the rest waits for the next.</summary>
    public int FlushRecordsMax { get; set; } = 200_000;

    /// <summary>What a refused or failed caller is told to wait before retrying.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    internal void Validate()
    {
        if (PendingRecordsMax < 1 || FlushRecordsMax < 1 || RetryAfter <= TimeSpan.Zero)
        {
            throw new ArgumentException("commit bounds must be positive");
        }
    }
}
