using ClearingCluster.Runtime;

namespace ClearingCluster.Interfaces.Clearing;

/// <summary>
/// The clearing coordinator (one, key <see cref="Key"/>): the only writer of cycles. Cycles run one after another:
/// a cycle is computed only once the cycle before it is settled.
/// </summary>
public interface IClearingGrain : IGrainWithStringKey
{
    public const string Key = "clearing";

    /// <summary>Closes the open cycle in every meter shard at one cut and opens the next; usage flows on throughout.</summary>
    Task<CycleView> CutOff(string requestedBy);

    Task<CycleView> Compute(string cycleId);

    /// <summary>Posts a computed cycle; repeating it for a settled cycle changes nothing.</summary>
    Task<CycleView> Settle(string cycleId);

    /// <summary>
    /// Writes a settled cycle's usage records to an archive file, then detaches and drops the cycle's partition, while
    /// usage flows into the open cycle's; repeating it finishes an interrupted archive and otherwise changes nothing.
    /// </summary>
    Task<CycleView> ArchiveUsage(string cycleId);

    Task<AdjustmentView> Adjust(string againstCycle, RecordAdjustment adjustment, string recordedBy);

    /// <summary>Registers (or re-registers) the durable cut-off schedule from configuration.</summary>
    Task EnsureSchedule();
}
