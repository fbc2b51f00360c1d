using ClearingCluster.Interfaces.Ledger;

namespace ClearingCluster.Grains.Ledger;

/// <summary>The evidence ledger's table: append-only, in sequence order.</summary>
public interface ILedgerStore
{
    Task<LedgerHead> ReadHeadAsync(CancellationToken cancellationToken);

    /// <summary>Appends the entries in one transaction; a sequence number already taken fails the whole batch.</summary>
    Task AppendAsync(IReadOnlyList<LedgerEntry> entries, CancellationToken cancellationToken);

    Task<LedgerEntry?> FindByEventIdAsync(string eventId, CancellationToken cancellationToken);

    Task<IReadOnlyList<LedgerEntry>> ReadAsync(long afterSeq, int limit, CancellationToken cancellationToken);
}
