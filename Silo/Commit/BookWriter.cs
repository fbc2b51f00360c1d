using ClearingCluster.Grains.Trading;

namespace ClearingCluster.Silo.Commit;

/// <summary>
/// The book items of a flush: per book, its items merged into one journal row (their chunks back to back), one
/// activity row per participant and book, and every item's money into the flush's account upsert. Array columns of
/// varying length travel as one text each (numbers comma-separated, client order ids separated by U+001F, which no
/// client order id may contain).
/// </summary>
public sealed class BookWriter : CommitItemWriter<BookCommit>
{
    protected override void Write(FlushContext flush, IReadOnlyList<BookCommit> items)
    {
        var books = items.GroupBy(i => i.Product, StringComparer.Ordinal).ToList();
        flush.Add("""
            INSERT INTO book_batches (product, batch, last_item, first_order, last_order, first_contract, last_contract, events)
            SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bytea[])
            """, null,
            books.Select(b => b.Key).ToArray(),
            books.Select(b => b.First().Item).ToArray(),
            books.Select(b => b.Last().Item).ToArray(),
            books.Select(b => b.Min(i => i.FirstOrder)).ToArray(),
            books.Select(b => b.Max(i => i.LastOrder)).ToArray(),
            books.Select(b => b.Min(i => i.FirstContract)).ToArray(),
            books.Select(b => b.Max(i => i.LastContract)).ToArray(),
            books.Select(b => Concat(b.Select(i => i.Events))).ToArray());

        var activity = books
            .SelectMany(b => b.SelectMany(i => i.Activity).GroupBy(a => a.Participant, StringComparer.Ordinal)
                .Select(a => (Product: b.Key, Batch: b.First().Item, At: b.First().At, Participant: a.Key,
                    Placed: a.SelectMany(x => x.Placed).ToList(), ClientOrderIds: a.SelectMany(x => x.ClientOrderIds).ToList(),
                    Closed: a.SelectMany(x => x.Closed).ToList(), Contracts: a.SelectMany(x => x.Contracts).ToList())))
            .ToList();
        flush.Add("""
            INSERT INTO trading_activity (participant, product, batch, at, placed, client_order_ids, closed, contracts)
            SELECT participant, product, batch, at, string_to_array(placed, ',')::bigint[], string_to_array(client_order_ids, E'\x1f'),
                   string_to_array(closed, ',')::bigint[], string_to_array(contracts, ',')::bigint[]
            FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[])
                AS t(participant, product, batch, placed, client_order_ids, closed, contracts, at)
            """, null,
            activity.Select(a => a.Participant).ToArray(),
            activity.Select(a => a.Product).ToArray(),
            activity.Select(a => a.Batch).ToArray(),
            activity.Select(a => string.Join(',', a.Placed)).ToArray(),
            activity.Select(a => string.Join('\u001f', a.ClientOrderIds)).ToArray(),
            activity.Select(a => string.Join(',', a.Closed)).ToArray(),
            activity.Select(a => string.Join(',', a.Contracts)).ToArray(),
            activity.Select(a => a.At.UtcDateTime).ToArray());

        foreach (var item in items)
        {
            flush.AddAccountDeltas(item);
        }
    }

    private static byte[] Concat(IEnumerable<byte[]> chunks)
    {
        var all = chunks.ToList();
        if (all.Count == 1)
        {
            return all[0];
        }
        var joined = new byte[all.Sum(c => c.Length)];
        var at = 0;
        foreach (var chunk in all)
        {
            chunk.CopyTo(joined, at);
            at += chunk.Length;
        }
        return joined;
    }
}

/// <summary>Book snapshots of a flush; each replaces its book's older ones.</summary>
public sealed class BookSnapshotWriter : CommitItemWriter<BookSnapshotCommit>
{
    protected override void Write(FlushContext flush, IReadOnlyList<BookSnapshotCommit> items)
    {
        flush.Add("INSERT INTO book_snapshots (product, through, state) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bytea[])", null,
            items.Select(i => i.Product).ToArray(), items.Select(i => i.Through).ToArray(), items.Select(i => i.State).ToArray());
        flush.Add("""
            DELETE FROM book_snapshots s USING unnest($1::text[], $2::bigint[]) AS t(product, through)
            WHERE s.product = t.product AND s.through < t.through
            """, null,
            items.Select(i => i.Product).ToArray(), items.Select(i => i.Through).ToArray());
    }
}
