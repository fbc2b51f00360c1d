using ClearingCluster.Interfaces.Ledger;

namespace ClearingCluster.Grains.Ledger;

/// <summary>The evidence ledger's table, read side: entries are written through the commit log (<see cref="LedgerAppend"/>).</summary>
public interface ILedgerStore
{
    Task<LedgerHead> ReadHeadAsync(CancellationToken cancellationToken);

    Task<LedgerEntry?> FindByEventIdAsync(string eventId, CancellationToken cancellationToken);

    Task<IReadOnlyList<LedgerEntry>> ReadAsync(long afterSeq, int limit, CancellationToken cancellationToken);

    /// <summary>Entries after <paramref name="afterSeq"/> of one kind and/or subject (null: any), oldest first.</summary>
    Task<IReadOnlyList<LedgerEntry>> ReadAsync(long afterSeq, int limit, string? kind, string? subject, CancellationToken cancellationToken);

    /// <summary>The entry of <paramref name="kind"/> about <paramref name="subject"/> whose range holds <paramref name="number"/>.</summary>
    Task<LedgerEntry?> FindCoveringAsync(string subject, string kind, long number, CancellationToken cancellationToken);

    /// <summary>The highest number any entry of <paramref name="kind"/> about <paramref name="subject"/> covers; 0 when none.</summary>
    Task<long> CoveredThroughAsync(string subject, string kind, CancellationToken cancellationToken);
}
