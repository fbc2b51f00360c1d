using ClearingCluster.Grains.Listings;
using ClearingCluster.Silo.Database;
using Npgsql;
using NpgsqlTypes;

namespace ClearingCluster.Silo.Storage;

/// <summary>
/// Listings' read model in PostgreSQL: participants and products from their grains' stored state (JSON, by key),
/// a participant's orders and contracts from <c>trading_activity</c> (index <c>(participant, at)</c>).
/// </summary>
public sealed class PostgresListingStore(ClearingDatabase database) : IListingStore
{
    public Task<IReadOnlyList<string>> ParticipantsAsync(ParticipantFilter filter, string? afterId, int limit, CancellationToken cancellationToken) =>
        KeysAsync("""
            SELECT grain_key FROM grain_state
            WHERE grain_type = 'participant' AND state_name = 'participant' AND (payload->>'registered')::boolean
              AND ($1::text IS NULL OR payload->>'status' = $1)
              AND ($2::text IS NULL OR payload->'roles' ? $2)
              AND ($3::int IS NULL OR (payload->>'tier')::int = $3)
              AND grain_key > $4
            ORDER BY grain_key LIMIT $5
            """, cancellationToken, Text(filter.Status), Text(filter.Role), Int(filter.Tier), Text(afterId ?? ""), Int(limit));

    public Task<IReadOnlyList<string>> ProductsAsync(ProductFilter filter, string? afterId, int limit, CancellationToken cancellationToken) =>
        KeysAsync("""
            SELECT grain_key FROM grain_state
            WHERE grain_type = 'product' AND state_name = 'product' AND payload->'submission' IS NOT NULL
              AND payload->>'submission' <> 'null'
              AND ($1::text IS NULL OR payload->>'status' = $1)
              AND ($2::text IS NULL OR payload->'submission'->>'provider' = $2)
              AND ($3::text IS NULL OR payload->'submission'->>'category' = $3)
              AND grain_key > $4
            ORDER BY grain_key LIMIT $5
            """, cancellationToken, Text(filter.Status), Text(filter.Provider), Text(filter.Category), Text(afterId ?? ""), Int(limit));

    public async Task<IReadOnlyList<ActivityRef>> ActivityAsync(ActivityKind kind, ActivityQuery query, CancellationToken cancellationToken)
    {
        // The column is chosen here from two names, never from input.
        var column = kind == ActivityKind.PlacedOrders ? "placed" : "contracts";
        await using var command = database.DataSource.CreateCommand($"""
            SELECT (extract(epoch FROM a.at) * 1000000)::bigint, a.product, a.batch, n.number FROM trading_activity a
            CROSS JOIN LATERAL unnest(a.{column}) AS n(number)
            WHERE a.participant = $1 AND cardinality(a.{column}) > 0
              AND ($2::text IS NULL OR a.product = $2)
              AND ($3::timestamptz IS NULL OR a.at >= $3)
              AND ($4::timestamptz IS NULL OR a.at < $4)
              AND ($5::bigint IS NULL OR a.at <= 'epoch'::timestamptz + $5 * interval '1 microsecond')
              AND ($5::bigint IS NULL OR (a.at, a.product, a.batch, n.number) < ('epoch'::timestamptz + $5 * interval '1 microsecond', $6, $7, $8))
            ORDER BY a.at DESC, a.product DESC, a.batch DESC, n.number DESC
            LIMIT $9
            """);
        var before = query.Before;
        command.Parameters.Add(Text(query.Participant));
        command.Parameters.Add(Text(query.Product));
        command.Parameters.Add(Time(query.From));
        command.Parameters.Add(Time(query.To));
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = (object?)before?.AtMicros ?? DBNull.Value });
        command.Parameters.Add(Text(before?.Product ?? ""));
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = before?.Batch ?? 0 });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = before?.Number ?? 0 });
        command.Parameters.Add(Int(query.Limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var refs = new List<ActivityRef>(query.Limit);
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = new ActivityKey(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3));
            refs.Add(new ActivityRef(key.Product, key.Number, key));
        }
        return refs;
    }

    private async Task<IReadOnlyList<string>> KeysAsync(string sql, CancellationToken cancellationToken, params NpgsqlParameter[] parameters)
    {
        await using var command = database.DataSource.CreateCommand(sql);
        command.Parameters.AddRange(parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(reader.GetString(0));
        }
        return keys;
    }

    private static NpgsqlParameter Text(string? value) => new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value };

    private static NpgsqlParameter Int(int? value) => new() { NpgsqlDbType = NpgsqlDbType.Integer, Value = (object?)value ?? DBNull.Value };

    private static NpgsqlParameter Time(DateTimeOffset? value) =>
        new() { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = (object?)value?.UtcDateTime ?? DBNull.Value };
}
