using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using ClearingCluster.Grains.Metering;
using ClearingCluster.Grains.Metering.Wire;
using ClearingCluster.Interfaces.Metering;
using ClearingCluster.Silo.Database;
using Npgsql;
using NpgsqlTypes;

namespace ClearingCluster.Silo.Storage;

/// <summary>
/// Usage in PostgreSQL. A flush is one transaction: the accepted records packed into one row per contract
/// (binary COPY), the per-contract totals (one upsert over arrays), and each part's answer (binary COPY). A part
/// stored before violates the primary key and fails the flush whole, so nothing is ever counted twice.
/// </summary>
public sealed class PostgresUsageStore(ClearingDatabase database) : IUsageStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task CommitAsync(int shard, string cycleId, IReadOnlyList<CommittedPart> parts, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var byContract = parts
            .SelectMany(p => p.Accepted.Select(r => (p.Producer, Record: r)))
            .GroupBy(x => x.Record.ContractId, StringComparer.Ordinal)
            .ToList();
        if (byContract.Count > 0)
        {
            await using (var records = await connection.BeginBinaryImportAsync(
                "COPY usage_records (cycle_id, contract_id, shard, first_at, last_at, record_count, units, producers, records) FROM STDIN (FORMAT BINARY)",
                cancellationToken))
            {
                foreach (var contract in byContract)
                {
                    var (producers, packed) = Pack(contract.Select(x => (x.Producer, x.Record)));
                    await records.StartRowAsync(cancellationToken);
                    await records.WriteAsync(cycleId, NpgsqlDbType.Text, cancellationToken);
                    await records.WriteAsync(contract.Key, NpgsqlDbType.Text, cancellationToken);
                    await records.WriteAsync(shard, NpgsqlDbType.Integer, cancellationToken);
                    await records.WriteAsync(UsageEnvelope.FromMicros(contract.Min(x => x.Record.AtMicros)), NpgsqlDbType.TimestampTz, cancellationToken);
                    await records.WriteAsync(UsageEnvelope.FromMicros(contract.Max(x => x.Record.AtMicros)), NpgsqlDbType.TimestampTz, cancellationToken);
                    await records.WriteAsync(contract.Count(), NpgsqlDbType.Integer, cancellationToken);
                    await records.WriteAsync(contract.Sum(x => x.Record.Units), NpgsqlDbType.Bigint, cancellationToken);
                    await records.WriteAsync(producers, NpgsqlDbType.Array | NpgsqlDbType.Text, cancellationToken);
                    await records.WriteAsync(packed, NpgsqlDbType.Bytea, cancellationToken);
                }
                await records.CompleteAsync(cancellationToken);
            }

            await using var totals = new NpgsqlCommand("""
                INSERT INTO contract_usage (contract_id, cycle_id, used)
                SELECT contract_id, $3, units FROM unnest($1::text[], $2::bigint[]) AS t(contract_id, units)
                ON CONFLICT (contract_id, cycle_id) DO UPDATE SET used = contract_usage.used + EXCLUDED.used
                """, connection, transaction);
            totals.Parameters.Add(new NpgsqlParameter { Value = byContract.Select(c => c.Key).ToArray() });
            totals.Parameters.Add(new NpgsqlParameter { Value = byContract.Select(c => c.Sum(x => x.Record.Units)).ToArray() });
            totals.Parameters.Add(new NpgsqlParameter { Value = cycleId });
            await totals.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var answers = await connection.BeginBinaryImportAsync(
            "COPY usage_batches (producer, sequence, shard, batch_digest, answer) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var part in parts)
            {
                await answers.StartRowAsync(cancellationToken);
                await answers.WriteAsync(part.Producer, NpgsqlDbType.Text, cancellationToken);
                await answers.WriteAsync(part.Sequence, NpgsqlDbType.Bigint, cancellationToken);
                await answers.WriteAsync(shard, NpgsqlDbType.Integer, cancellationToken);
                await answers.WriteAsync(part.Digest, NpgsqlDbType.Bytea, cancellationToken);
                await answers.WriteAsync(JsonSerializer.Serialize(part.Answer with { Duplicate = false }, Json), NpgsqlDbType.Jsonb, cancellationToken);
            }
            await answers.CompleteAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<(byte[] Digest, MeterAnswer Answer)?> FindPartAsync(string producer, long sequence, int shard, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            "SELECT batch_digest, answer::text FROM usage_batches WHERE producer = $1 AND sequence = $2 AND shard = $3");
        command.Parameters.Add(new NpgsqlParameter { Value = producer });
        command.Parameters.Add(new NpgsqlParameter { Value = sequence });
        command.Parameters.Add(new NpgsqlParameter { Value = shard });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return (reader.GetFieldValue<byte[]>(0), JsonSerializer.Deserialize<MeterAnswer>(reader.GetString(1), Json)!);
    }

    public async Task<long> MaxSequenceAsync(string producer, int shard, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("SELECT coalesce(max(sequence), -1) FROM usage_batches WHERE producer = $1 AND shard = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = producer });
        command.Parameters.Add(new NpgsqlParameter { Value = shard });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<IReadOnlyList<MeteredContract>> LoadContractsAsync(IReadOnlyCollection<string> contractIds, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("""
            SELECT c.contract_id, c.buyer, c.quota, coalesce((SELECT sum(u.used) FROM contract_usage u WHERE u.contract_id = c.contract_id), 0),
                   c.valid_from, c.valid_to, c.status = 'active'
            FROM contracts c WHERE c.contract_id = ANY($1)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = contractIds.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var contracts = new List<MeteredContract>();
        while (await reader.ReadAsync(cancellationToken))
        {
            contracts.Add(new MeteredContract(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetBoolean(6)));
        }
        return contracts;
    }

    /// <summary>Packs calls as documented in migration 0006: callId, at, units, producer index.</summary>
    public static (string[] Producers, byte[] Packed) Pack(IEnumerable<(string Producer, UsageRecord Record)> calls)
    {
        var producers = new List<string>();
        var buffer = new MemoryStream();
        Span<byte> scratch = stackalloc byte[8];
        foreach (var (producer, record) in calls)
        {
            var producerIndex = producers.IndexOf(producer);
            if (producerIndex < 0)
            {
                producerIndex = producers.Count;
                producers.Add(producer);
            }
            var callId = Encoding.UTF8.GetBytes(record.CallId);
            buffer.WriteByte((byte)callId.Length);
            buffer.Write(callId);
            BinaryPrimitives.WriteInt64LittleEndian(scratch, record.AtMicros);
            buffer.Write(scratch);
            BinaryPrimitives.WriteUInt32LittleEndian(scratch, (uint)record.Units);
            buffer.Write(scratch[..4]);
            BinaryPrimitives.WriteUInt16LittleEndian(scratch, (ushort)producerIndex);
            buffer.Write(scratch[..2]);
        }
        return ([.. producers], buffer.ToArray());
    }
}
