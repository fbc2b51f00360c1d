using System.Text.Json;
using ClearingCluster.Grains.Metering;
using ClearingCluster.Grains.Metering.Wire;
using ClearingCluster.Silo.Storage;

namespace ClearingCluster.Silo.Commit;

/// <summary>
/// The usage parts of a flush: accepted records packed into one row per shard and contract, per-contract totals
/// added in one upsert, and each part's answer keyed by (producer, sequence, shard). A part stored before violates
/// that key and fails the flush whole, so nothing is ever counted twice. Records are packed as they are met, one pass,
/// since this runs on the commit log's own thread, inside every hot path's flush.
/// </summary>
public sealed class UsageWriter : CommitItemWriter<UsageCommit>
{
    /// <summary>Separates producer names in one text value; producers are ids, which never contain it.</summary>
    private const char ProducerSeparator = '\u001f';

    /// <summary>
    /// The most call time one row spans: a flush's calls of one contract are packed per hour of their time, so a call
    /// dated X is in a row starting between X − RowSpan and X (how storage finds a call by its time).
    /// </summary>
    public static readonly TimeSpan RowSpan = TimeSpan.FromHours(1);

    private static readonly long RowSpanMicros = (long)RowSpan.TotalMicroseconds;

    protected override void Write(FlushContext flush, IReadOnlyList<UsageCommit> items)
    {
        var rows = new Dictionary<(int Shard, string Cycle, string Contract, long Hour), PackedCalls.Builder>();
        foreach (var item in items)
        {
            foreach (var record in item.Part.Accepted)
            {
                var key = (item.Shard, item.CycleId, record.ContractId, Math.DivRem(record.AtMicros, RowSpanMicros).Quotient);
                if (!rows.TryGetValue(key, out var row))
                {
                    rows[key] = row = new PackedCalls.Builder();
                }
                row.Add(item.Part.Producer, record);
            }
        }
        if (rows.Count > 0)
        {
            var keys = rows.Keys.ToArray();
            var packed = rows.Values.ToArray();
            flush.Add("""
                INSERT INTO usage_records (cycle_id, contract_id, shard, first_at, last_at, record_count, units, producers, records)
                SELECT cycle_id, contract_id, shard, first_at, last_at, record_count, units, string_to_array(producers, E'\x1f'), records
                FROM unnest($1::text[], $2::text[], $3::int[], $4::timestamptz[], $5::timestamptz[], $6::int[], $7::bigint[], $8::text[], $9::bytea[])
                    AS t(cycle_id, contract_id, shard, first_at, last_at, record_count, units, producers, records)
                """, null,
                keys.Select(k => k.Cycle).ToArray(),
                keys.Select(k => k.Contract).ToArray(),
                keys.Select(k => k.Shard).ToArray(),
                packed.Select(p => UsageEnvelope.FromMicros(p.FirstAtMicros)).ToArray(),
                packed.Select(p => UsageEnvelope.FromMicros(p.LastAtMicros)).ToArray(),
                packed.Select(p => p.Count).ToArray(),
                packed.Select(p => p.Units).ToArray(),
                packed.Select(p => string.Join(ProducerSeparator, p.Producers)).ToArray(),
                packed.Select(p => p.ToArray()).ToArray());

            // A contract's calls of several hours are several rows here: one total per (contract, cycle).
            var totals = new Dictionary<(string Contract, string Cycle), long>();
            for (var i = 0; i < keys.Length; i++)
            {
                totals[(keys[i].Contract, keys[i].Cycle)] = totals.GetValueOrDefault((keys[i].Contract, keys[i].Cycle)) + packed[i].Units;
            }
            flush.Add("""
                INSERT INTO contract_usage (contract_id, cycle_id, used)
                SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
                ON CONFLICT (contract_id, cycle_id) DO UPDATE SET used = contract_usage.used + EXCLUDED.used
                """, null,
                totals.Keys.Select(t => t.Contract).ToArray(),
                totals.Keys.Select(t => t.Cycle).ToArray(),
                totals.Values.ToArray());
        }

        flush.Add("""
            INSERT INTO usage_batches (producer, sequence, shard, batch_digest, answer)
            SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[], $4::bytea[], $5::jsonb[])
            """, null,
            items.Select(i => i.Part.Producer).ToArray(),
            items.Select(i => i.Part.Sequence).ToArray(),
            items.Select(i => i.Shard).ToArray(),
            items.Select(i => i.Part.Digest).ToArray(),
            FlushContext.JsonbArray([.. items.Select(i => JsonSerializer.Serialize(i.Part.Answer with { Duplicate = false }, PostgresUsageStore.Json))]));
    }
}
