using ClearingCluster.Runtime;

namespace ClearingCluster.Interfaces.Ledger;

/// <summary>The evidence ledger (one grain, key <see cref="Key"/>): appends are chained in memory and group-committed.</summary>
public interface ILedgerGrain : IGrainWithStringKey
{
    const string Key = "evidence";

    /// <summary>Appends and returns once the entry is durable. Many appends share one commit.</summary>
    [AlwaysInterleave]
    Task<LedgerEntry> Append(EvidenceRecord record);

    /// <summary>Appends unless an entry with the record's event id exists already (a redelivery after a crash); returns that entry.</summary>
    [AlwaysInterleave]
    Task<LedgerEntry> Redeliver(EvidenceRecord record);

    [ReadOnly]
    Task<LedgerHead> Head();
}
