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
