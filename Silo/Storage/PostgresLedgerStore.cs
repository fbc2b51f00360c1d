using System.Text.Json.Nodes;
using ClearingCluster.Grains.Ledger;
using ClearingCluster.Interfaces.Ledger;
using ClearingCluster.Silo.Database;
using Npgsql;
using NpgsqlTypes;

namespace ClearingCluster.Silo.Storage;

/// <summary>The evidence ledger's table. A batch goes in by binary COPY: one round trip, one transaction.</summary>
public sealed class PostgresLedgerStore(ClearingDatabase database) : ILedgerStore
{
    private const string Columns = "seq, event_id, kind, subject, payload::text, prev_hash, hash, at";

    public async Task<LedgerHead> ReadHeadAsync(CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("SELECT seq, hash FROM ledger_entries ORDER BY seq DESC LIMIT 1");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new LedgerHead(reader.GetInt64(0), reader.GetString(1)) : EvidenceChain.Genesis;
    }

    public async Task AppendAsync(IReadOnlyList<LedgerEntry> entries, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var writer = await connection.BeginBinaryImportAsync(
            "COPY ledger_entries (seq, event_id, kind, subject, payload, prev_hash, hash, at) FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var entry in entries)
        {
            await writer.StartRowAsync(cancellationToken);
            await writer.WriteAsync(entry.Seq, NpgsqlDbType.Bigint, cancellationToken);
            await writer.WriteAsync(entry.EventId, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(entry.Kind, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(entry.Subject, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(CanonicalJson.SerializeToString(entry.Payload), NpgsqlDbType.Jsonb, cancellationToken);
            await writer.WriteAsync(entry.PrevHash, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(entry.Hash, NpgsqlDbType.Text, cancellationToken);
            await writer.WriteAsync(entry.At, NpgsqlDbType.TimestampTz, cancellationToken);
        }
        await writer.CompleteAsync(cancellationToken);
    }

    public async Task<LedgerEntry?> FindByEventIdAsync(string eventId, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand($"SELECT {Columns} FROM ledger_entries WHERE event_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = eventId });
        var found = await ReadAllAsync(command, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    public async Task<IReadOnlyList<LedgerEntry>> ReadAsync(long afterSeq, int limit, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand($"SELECT {Columns} FROM ledger_entries WHERE seq > $1 ORDER BY seq LIMIT $2");
        command.Parameters.Add(new NpgsqlParameter { Value = afterSeq });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        return await ReadAllAsync(command, cancellationToken);
    }

    private static async Task<IReadOnlyList<LedgerEntry>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<LedgerEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new LedgerEntry(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetString(3),
                JsonNode.Parse(reader.GetString(4)) as JsonObject ?? [],
                reader.GetString(5),
                reader.GetString(6),
                reader.GetFieldValue<DateTimeOffset>(7)));
        }
        return entries;
    }
}
