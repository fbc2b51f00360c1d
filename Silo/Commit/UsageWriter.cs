using System.Text.Json;
using ClearingCluster.Grains.Metering;
using ClearingCluster.Grains.Metering.Wire;
using ClearingCluster.Silo.Storage;

namespace ClearingCluster.Silo.Commit;

/// <summary>
/// The usage parts of a flush: accepted records packed into one row per shard and contract, per-contract totals
/// added in one upsert, and each part's answer keyed by (producer, sequence, shard). A part stored before violates
/// that key and fails the flush whole, so nothing is ever counted twice.
/// </summary>
public sealed class UsageWriter : CommitItemWriter<UsageCommit>
{
    /// <summary>Separates producer names in one text value; producers are ids, which never contain it.</summary>
    private const char ProducerSeparator = '\u001f';

    protected override void Write(FlushContext flush, IReadOnlyList<UsageCommit> items)
    {
        var byContract = items
            .SelectMany(i => i.Part.Accepted.Select(r => (i.Shard, i.CycleId, i.Part.Producer, Record: r)))
            .GroupBy(x => (x.Shard, x.CycleId, x.Record.ContractId))
            .ToList();
        if (byContract.Count > 0)
        {
            var packed = byContract.Select(g => PackedCalls.Pack(g.Select(x => (x.Producer, x.Record)))).ToList();
            flush.Add("""
                INSERT INTO usage_records (cycle_id, contract_id, shard, first_at, last_at, record_count, units, producers, records)
                SELECT cycle_id, contract_id, shard, first_at, last_at, record_count, units, string_to_array(producers, E'\x1f'), records
                FROM unnest($1::text[], $2::text[], $3::int[], $4::timestamptz[], $5::timestamptz[], $6::int[], $7::bigint[], $8::text[], $9::bytea[])
                    AS t(cycle_id, contract_id, shard, first_at, last_at, record_count, units, producers, records)
                """, null,
                byContract.Select(g => g.Key.CycleId).ToArray(),
                byContract.Select(g => g.Key.ContractId).ToArray(),
                byContract.Select(g => g.Key.Shard).ToArray(),
                byContract.Select(g => UsageEnvelope.FromMicros(g.Min(x => x.Record.AtMicros))).ToArray(),
                byContract.Select(g => UsageEnvelope.FromMicros(g.Max(x => x.Record.AtMicros))).ToArray(),
                byContract.Select(g => g.Count()).ToArray(),
                byContract.Select(g => g.Sum(x => x.Record.Units)).ToArray(),
                packed.Select(p => string.Join(ProducerSeparator, p.Producers)).ToArray(),
                packed.Select(p => p.Packed).ToArray());

            var totals = byContract.GroupBy(g => (g.Key.ContractId, g.Key.CycleId)).ToList();
            flush.Add("""
                INSERT INTO contract_usage (contract_id, cycle_id, used)
                SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
                ON CONFLICT (contract_id, cycle_id) DO UPDATE SET used = contract_usage.used + EXCLUDED.used
                """, null,
                totals.Select(t => t.Key.ContractId).ToArray(),
                totals.Select(t => t.Key.CycleId).ToArray(),
                totals.Select(t => t.Sum(g => g.Sum(x => x.Record.Units))).ToArray());
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
