using ClearingCluster.Interfaces.Ledger;
using ClearingCluster.Runtime.Durability;

namespace ClearingCluster.Grains.Ledger;

/// <summary>Entries the ledger chained in one turn, for the commit log: appended in sequence order.</summary>
public sealed class LedgerAppend(IReadOnlyList<LedgerEntry> entries) : CommitItem(entries.Count)
{
    public IReadOnlyList<LedgerEntry> Entries { get; } = entries;
}
