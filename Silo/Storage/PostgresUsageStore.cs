using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using ClearingCluster.Grains.Metering;
using ClearingCluster.Grains.Metering.Wire;
using ClearingCluster.Interfaces.Metering;
using ClearingCluster.Silo.Commit;
using ClearingCluster.Silo.Database;
using Npgsql;
using NpgsqlTypes;

namespace ClearingCluster.Silo.Storage;

/// <summary>Usage in PostgreSQL, read side; <see cref="Commit.UsageWriter"/> writes parts through the commit log.</summary>
public sealed class PostgresUsageStore(ClearingDatabase database) : IUsageStore
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

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

    public async Task<IReadOnlyDictionary<string, long>> UsedAsync(IReadOnlyCollection<string> contractIds, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            "SELECT contract_id, sum(used)::bigint FROM contract_usage WHERE contract_id = ANY($1) GROUP BY contract_id");
        command.Parameters.Add(new NpgsqlParameter { Value = contractIds.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var used = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            used[reader.GetString(0)] = reader.GetInt64(1);
        }
        return used;
    }

    /// <summary>
    /// The rows that can hold a call dated <paramref name="at"/>: rows span at most <see cref="UsageWriter.RowSpan"/> of call
    /// time (<paramref name="span"/> is that interval), so they start between the call's time less the span and its time —
    /// a bounded range of the contract's index.
    /// </summary>
    private static string RowsThatCanHold(string at, string span) => $"first_at <= {at} AND first_at >= {at} - {span}::interval AND last_at >= {at}";

    public async Task<IReadOnlyDictionary<string, List<(long Fingerprint, long AtMicros)>>> CallsSinceAsync(
        IReadOnlyCollection<string> contractIds, long fromMicros, CancellationToken cancellationToken)
    {
        var calls = contractIds.Distinct(StringComparer.Ordinal).ToDictionary(id => id, _ => new List<(long, long)>(), StringComparer.Ordinal);
        await using var command = database.DataSource.CreateCommand(
            "SELECT contract_id, records FROM usage_records WHERE contract_id = ANY($1) AND last_at >= $2");
        command.Parameters.Add(new NpgsqlParameter { Value = calls.Keys.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = UsageEnvelope.FromMicros(fromMicros) });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var into = calls[reader.GetString(0)];
            var packed = new PackedCalls.Reader(reader.GetFieldValue<byte[]>(1));
            while (packed.Next(out var callId, out var at, out _, out _))
            {
                if (at >= fromMicros)
                {
                    into.Add((CallFingerprint.Of(callId), at));
                }
            }
        }
        return calls;
    }

    public async Task<IReadOnlyList<(string ContractId, long Fingerprint, long AtMicros)>> FindCallsAsync(
        IReadOnlyList<(string ContractId, string CallId, long AtMicros)> calls, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand($"""
            SELECT t.i, r.records FROM unnest($1::text[], $2::timestamptz[], $3::bytea[], $4::bytea[]) WITH ORDINALITY AS t(contract, at, v2, v1, i)
            JOIN LATERAL (
                SELECT records FROM usage_records r
                WHERE r.contract_id = t.contract AND {RowsThatCanHold("t.at", "$5")}
                  AND (position(t.v2 IN r.records) > 0 OR position(t.v1 IN r.records) > 0)) r ON true
            """);
        var needles = calls.Select(c => PackedCalls.Needles(c.CallId)).ToArray();
        command.Parameters.Add(new NpgsqlParameter { Value = calls.Select(c => c.ContractId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = calls.Select(c => UsageEnvelope.FromMicros(c.AtMicros)).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = needles.Select(n => n.V2).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = needles.Select(n => n.V1).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = UsageWriter.RowSpan });
        var found = new List<(string, long, long)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var call = calls[(int)reader.GetInt64(0) - 1];
            var wanted = Encoding.UTF8.GetBytes(call.CallId);
            var packed = new PackedCalls.Reader(reader.GetFieldValue<byte[]>(1));
            while (packed.Next(out var id, out var at, out _, out _))
            {
                if (id.SequenceEqual(wanted))
                {
                    found.Add((call.ContractId, CallFingerprint.Of(id), at));
                }
            }
        }
        return found;
    }

    public async Task<IReadOnlyList<CallOccurrence>> FindCallAsync(string contractId, string callId, long? atMicros, CancellationToken cancellationToken)
    {
        // position() finds rows whose packed calls hold the call id's bytes anywhere; decoding them keeps the real ones.
        await using var command = database.DataSource.CreateCommand($"""
            SELECT cycle_id, producers, records, committed_at FROM usage_records
            WHERE contract_id = $1 AND (position($2::bytea IN records) > 0 OR position($3::bytea IN records) > 0)
              AND ($4::timestamptz IS NULL OR ({RowsThatCanHold("$4", "$5")}))
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = contractId });
        var (v2, v1) = PackedCalls.Needles(callId);
        command.Parameters.Add(new NpgsqlParameter { Value = v2 });
        command.Parameters.Add(new NpgsqlParameter { Value = v1 });
        command.Parameters.Add(new NpgsqlParameter { Value = atMicros is { } time ? UsageEnvelope.FromMicros(time) : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = UsageWriter.RowSpan });
        var wanted = Encoding.UTF8.GetBytes(callId);
        var found = new List<CallOccurrence>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var producers = reader.GetFieldValue<string[]>(1);
            var packed = new PackedCalls.Reader(reader.GetFieldValue<byte[]>(2));
            while (packed.Next(out var id, out var at, out var units, out var producer))
            {
                if (id.SequenceEqual(wanted) && (atMicros is null || at == atMicros))
                {
                    found.Add(new CallOccurrence(callId, contractId, reader.GetString(0), UsageEnvelope.FromMicros(at), units, producers[producer],
                        reader.GetFieldValue<DateTimeOffset>(3)));
                }
            }
        }
        return [.. found.OrderBy(f => f.CommittedAt)];
    }
}

