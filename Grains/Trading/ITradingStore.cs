using ClearingCluster.Grains.Trading.Journal;

namespace ClearingCluster.Grains.Trading;

/// <summary>One journal row of a book: the commit items it holds (from <see cref="Batch"/> to <see cref="LastItem"/>), packed.</summary>
public sealed record JournalRow(long Batch, long LastItem, byte[] Events);

/// <summary>What a book rebuilds itself from: its latest snapshot (if any) and the journal rows after it, in order.</summary>
public sealed record StoredBook(BookState? Snapshot, IReadOnlyList<JournalRow> Rows);

/// <summary>A client order id a participant used recently, and the order it named.</summary>
public sealed record RecentClientOrder(string ClientOrderId, string Product, long Number, DateTimeOffset At);

/// <summary>Trading in storage, read side: books write through the commit log (<see cref="BookCommit"/>).</summary>
public interface ITradingStore
{
    Task<StoredBook> LoadBookAsync(string product, CancellationToken cancellationToken);

    /// <summary>The row in which the book placed order <paramref name="number"/>.</summary>
    Task<JournalRow?> RowWithOrderAsync(string product, long number, CancellationToken cancellationToken);

    /// <summary>The rows holding contracts <paramref name="first"/>–<paramref name="last"/> of the product, in order.</summary>
    Task<IReadOnlyList<JournalRow>> RowsWithContractsAsync(string product, long first, long last, CancellationToken cancellationToken);

    /// <summary>The rows holding each of the given contract numbers of the product (each row once).</summary>
    Task<IReadOnlyList<JournalRow>> RowsWithContractsAsync(string product, IReadOnlyCollection<long> numbers, CancellationToken cancellationToken);

    /// <summary>The rows from <paramref name="fromBatch"/> on in which <paramref name="participant"/> had activity in the product, in order, up to the one that closed order <paramref name="closing"/>.</summary>
    Task<IReadOnlyList<JournalRow>> ParticipantRowsUntilClosedAsync(string participant, string product, long fromBatch, long closing,
        CancellationToken cancellationToken);

    /// <summary>The participant's client order ids since <paramref name="since"/>, newest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<RecentClientOrder>> RecentClientOrdersAsync(string participant, DateTimeOffset since, int limit, CancellationToken cancellationToken);

    /// <summary>The highest contract number a book has made; 0 when none.</summary>
    Task<long> LastContractAsync(string product, CancellationToken cancellationToken);

    /// <summary>Every product in which the participant ever placed, closed or traded, by name.</summary>
    Task<IReadOnlyList<string>> ProductsTradedByAsync(string participant, CancellationToken cancellationToken);

    /// <summary>Every product that has a book journal.</summary>
    Task<IReadOnlyList<string>> BooksAsync(CancellationToken cancellationToken);
}
