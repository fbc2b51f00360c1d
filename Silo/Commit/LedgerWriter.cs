using ClearingCluster.Grains.Ledger;

namespace ClearingCluster.Silo.Commit;

/// <summary>Ledger entries of a flush, in sequence order, as one INSERT over arrays; the <c>seq</c> key refuses a second chain.</summary>
public sealed class LedgerWriter : CommitItemWriter<LedgerAppend>
{
    protected override void Write(FlushContext flush, IReadOnlyList<LedgerAppend> items)
    {
        var entries = items.SelectMany(i => i.Entries).ToList();
        flush.Add("""
            INSERT INTO ledger_entries (seq, event_id, kind, subject, payload, prev_hash, hash, at, range_first, range_last)
            SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::text[], $7::text[], $8::timestamptz[], $9::bigint[], $10::bigint[])
            """, null,
            entries.Select(e => e.Seq).ToArray(),
            entries.Select(e => e.EventId).ToArray(),
            entries.Select(e => e.Kind).ToArray(),
            entries.Select(e => e.Subject).ToArray(),
            FlushContext.JsonbArray([.. entries.Select(e => CanonicalJson.SerializeToString(e.Payload))]),
            entries.Select(e => e.PrevHash).ToArray(),
            entries.Select(e => e.Hash).ToArray(),
            entries.Select(e => e.At).ToArray(),
            entries.Select(e => e.Range?.First).ToArray(),
            entries.Select(e => e.Range?.Last).ToArray());
    }
}
