using System.Text.Json.Nodes;
using ClearingCluster.Grains.Ledger;
using ClearingCluster.Interfaces.Ledger;
using ClearingCluster.Silo.Database;
using Npgsql;

namespace ClearingCluster.Silo.Storage;

/// <summary>The evidence ledger's table, read side; <see cref="Commit.LedgerWriter"/> appends through the commit log.</summary>
public sealed class PostgresLedgerStore(ClearingDatabase database) : ILedgerStore
{
    private const string Columns = "seq, event_id, kind, subject, payload::text, prev_hash, hash, at, range_first, range_last";

    public async Task<LedgerHead> ReadHeadAsync(CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("SELECT seq, hash FROM ledger_entries ORDER BY seq DESC LIMIT 1");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new LedgerHead(reader.GetInt64(0), reader.GetString(1)) : EvidenceChain.Genesis;
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

    public async Task<IReadOnlyList<LedgerEntry>> ReadAsync(long afterSeq, int limit, string? kind, string? subject, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand($"""
            SELECT {Columns} FROM ledger_entries
            WHERE seq > $1 AND ($3::text IS NULL OR kind = $3) AND ($4::text IS NULL OR subject = $4)
            ORDER BY seq LIMIT $2
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = afterSeq });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text, Value = (object?)kind ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text, Value = (object?)subject ?? DBNull.Value });
        return await ReadAllAsync(command, cancellationToken);
    }

    public async Task<LedgerEntry?> FindCoveringAsync(string subject, string kind, long number, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand($"""
            SELECT {Columns} FROM ledger_entries
            WHERE subject = $1 AND kind = $2 AND range_last >= $3 AND range_first <= $3
            ORDER BY range_last LIMIT 1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = subject });
        command.Parameters.Add(new NpgsqlParameter { Value = kind });
        command.Parameters.Add(new NpgsqlParameter { Value = number });
        var found = await ReadAllAsync(command, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    public async Task<long> CoveredThroughAsync(string subject, string kind, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            "SELECT coalesce(max(range_last), 0) FROM ledger_entries WHERE subject = $1 AND kind = $2 AND range_last IS NOT NULL");
        command.Parameters.Add(new NpgsqlParameter { Value = subject });
        command.Parameters.Add(new NpgsqlParameter { Value = kind });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
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
                reader.GetFieldValue<DateTimeOffset>(7),
                reader.IsDBNull(8) ? null : new EvidenceRange(reader.GetInt64(8), reader.GetInt64(9))));
        }
        return entries;
    }
}
