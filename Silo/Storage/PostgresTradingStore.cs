using ClearingCluster.Grains.Trading;
using ClearingCluster.Grains.Trading.Journal;
using ClearingCluster.Silo.Database;
using Npgsql;

namespace ClearingCluster.Silo.Storage;

/// <summary>Books' journals, snapshots and activity index in PostgreSQL, read side; the commit log writes them.</summary>
public sealed class PostgresTradingStore(ClearingDatabase database) : ITradingStore
{
    private const string RowColumns = "batch, last_item, events";

    public async Task<StoredBook> LoadBookAsync(string product, CancellationToken cancellationToken)
    {
        BookState? snapshot = null;
        await using (var command = database.DataSource.CreateCommand("SELECT state FROM book_snapshots WHERE product = $1 ORDER BY through DESC LIMIT 1"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = product });
            if (await command.ExecuteScalarAsync(cancellationToken) is byte[] state)
            {
                snapshot = BookState.Decode(product, state);
            }
        }
        // A row may straddle the snapshot (items merged in one flush): the book skips chunks the snapshot holds.
        return new StoredBook(snapshot, await RowsAsync(
            $"SELECT {RowColumns} FROM book_batches WHERE product = $1 AND last_item > $2 ORDER BY batch", cancellationToken, product, snapshot?.LastItem ?? 0));
    }

    public async Task<JournalRow?> RowWithOrderAsync(string product, long number, CancellationToken cancellationToken) =>
        (await RowsAsync($"""
            SELECT {RowColumns} FROM (
                SELECT * FROM book_batches WHERE product = $1 AND last_order >= $2 ORDER BY last_order LIMIT 1) b
            WHERE first_order <= $2
            """, cancellationToken, product, number)).SingleOrDefault();

    public Task<IReadOnlyList<JournalRow>> RowsWithContractsAsync(string product, long first, long last, CancellationToken cancellationToken) =>
        RowsAsync($"""
            SELECT {RowColumns} FROM book_batches
            WHERE product = $1 AND last_contract >= $2
              AND last_contract <= (SELECT last_contract FROM book_batches WHERE product = $1 AND last_contract >= $3 ORDER BY last_contract LIMIT 1)
            ORDER BY batch
            """, cancellationToken, product, first, last);

    public Task<IReadOnlyList<JournalRow>> RowsWithContractsAsync(string product, IReadOnlyCollection<long> numbers, CancellationToken cancellationToken) =>
        RowsAsync($"""
            SELECT DISTINCT {RowColumns} FROM unnest($2::bigint[]) AS n(number)
            CROSS JOIN LATERAL (
                SELECT * FROM book_batches WHERE product = $1 AND last_contract >= n.number ORDER BY last_contract LIMIT 1) b
            WHERE b.first_contract <= n.number
            ORDER BY batch
            """, cancellationToken, product, numbers.ToArray());

    public Task<IReadOnlyList<JournalRow>> ParticipantRowsUntilClosedAsync(string participant, string product, long fromBatch, long closing,
        CancellationToken cancellationToken) =>
        RowsAsync("""
            SELECT b.batch, b.last_item, b.events FROM trading_activity a
            JOIN book_batches b ON b.product = a.product AND b.batch = a.batch
            WHERE a.participant = $1 AND a.product = $2 AND a.batch >= $3
              AND (cardinality(a.contracts) > 0 OR $4 = ANY(a.closed))
              AND a.batch <= coalesce(
                  (SELECT min(c.batch) FROM trading_activity c WHERE c.participant = $1 AND c.product = $2 AND c.batch >= $3 AND $4 = ANY(c.closed)),
                  a.batch)
            ORDER BY a.batch
            """, cancellationToken, participant, product, fromBatch, closing);

    public async Task<IReadOnlyList<RecentClientOrder>> RecentClientOrdersAsync(string participant, DateTimeOffset since, int limit,
        CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("""
            SELECT p.client_order_id, a.product, p.number, a.at FROM trading_activity a
            CROSS JOIN LATERAL unnest(a.placed, a.client_order_ids) AS p(number, client_order_id)
            WHERE a.participant = $1 AND a.at >= $2 AND cardinality(a.placed) > 0
            ORDER BY a.at DESC, a.batch DESC, p.number DESC
            LIMIT $3
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = participant });
        command.Parameters.Add(new NpgsqlParameter { Value = since });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var recent = new List<RecentClientOrder>();
        while (await reader.ReadAsync(cancellationToken))
        {
            recent.Add(new RecentClientOrder(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetFieldValue<DateTimeOffset>(3)));
        }
        return recent;
    }

    public async Task<IReadOnlyList<string>> ProductsTradedByAsync(string participant, CancellationToken cancellationToken)
    {
        // A loose index scan over the primary key (participant, product, batch): one probe per product, not per row.
        await using var command = database.DataSource.CreateCommand("""
            WITH RECURSIVE traded(product) AS (
                (SELECT product FROM trading_activity WHERE participant = $1 ORDER BY product LIMIT 1)
                UNION ALL
                SELECT (SELECT a.product FROM trading_activity a WHERE a.participant = $1 AND a.product > t.product ORDER BY a.product LIMIT 1)
                FROM traded t WHERE t.product IS NOT NULL
            )
            SELECT product FROM traded WHERE product IS NOT NULL
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = participant });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var products = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            products.Add(reader.GetString(0));
        }
        return products;
    }

    public async Task<long> LastContractAsync(string product, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            "SELECT coalesce(max(last_contract), 0) FROM book_batches WHERE product = $1 AND last_contract IS NOT NULL");
        command.Parameters.Add(new NpgsqlParameter { Value = product });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<IReadOnlyList<string>> BooksAsync(CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("SELECT substr(writer, 6) FROM writer_epochs WHERE writer LIKE 'book/%' ORDER BY 1");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var books = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            books.Add(reader.GetString(0));
        }
        return books;
    }

    private Task<IReadOnlyList<JournalRow>> RowsAsync(string sql, CancellationToken cancellationToken, params object[] parameters) =>
        database.DataSource.RowsAsync(sql, static reader => new JournalRow(reader.GetInt64(0), reader.GetInt64(1), reader.GetFieldValue<byte[]>(2)),
            cancellationToken, parameters);
}
