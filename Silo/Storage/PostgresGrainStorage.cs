using System.Text;
using ClearingCluster.Runtime;
using ClearingCluster.Silo.Database;
using Npgsql;
using NpgsqlTypes;

namespace ClearingCluster.Silo.Storage;

/// <summary>
/// Grain state in the <c>grain_state</c> table, one row per (type, key, state), JSON payload, optimistic
/// version. A first write inserts version 1 (<c>ON CONFLICT DO NOTHING</c>: a row already there means another
/// writer won); later writes update only <c>WHERE version = expected</c>. Zero rows back is a lost race.
/// </summary>
public sealed class PostgresGrainStorage(ClearingDatabase database) : IGrainStorage
{
    private const string ReadSql = """
        SELECT payload::text, version FROM grain_state
        WHERE grain_type = $1 AND grain_key = $2 AND state_name = $3
        """;

    private const string InsertSql = """
        INSERT INTO grain_state (grain_type, grain_key, state_name, version, payload) VALUES ($1, $2, $3, 1, $4)
        ON CONFLICT (grain_type, grain_key, state_name) DO NOTHING
        RETURNING version
        """;

    private const string UpdateSql = """
        UPDATE grain_state SET payload = $4, version = version + 1, updated_at = now()
        WHERE grain_type = $1 AND grain_key = $2 AND state_name = $3 AND version = $5
        RETURNING version
        """;

    public async Task<StoredState> ReadAsync(GrainId grainId, string stateName, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(ReadSql);
        AddKey(command, grainId, stateName);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return new StoredState(null, 0);
        }
        var payload = reader.IsDBNull(0) ? null : Encoding.UTF8.GetBytes(reader.GetString(0));
        return new StoredState(payload, reader.GetInt64(1));
    }

    public Task<long> WriteAsync(GrainId grainId, string stateName, byte[] payload, long expectedVersion, CancellationToken cancellationToken) =>
        ReplaceAsync(grainId, stateName, Encoding.UTF8.GetString(payload), expectedVersion, cancellationToken);

    public Task<long> ClearAsync(GrainId grainId, string stateName, long expectedVersion, CancellationToken cancellationToken) =>
        ReplaceAsync(grainId, stateName, null, expectedVersion, cancellationToken);

    private async Task<long> ReplaceAsync(GrainId grainId, string stateName, string? payload, long expectedVersion, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(expectedVersion == 0 ? InsertSql : UpdateSql);
        AddKey(command, grainId, stateName);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = (object?)payload ?? DBNull.Value });
        if (expectedVersion != 0)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = expectedVersion });
        }
        var version = await command.ExecuteScalarAsync(cancellationToken);
        if (version is not long newVersion)
        {
            var stored = await ReadAsync(grainId, stateName, cancellationToken);
            throw new InconsistentStateException(
                $"state {stateName} of grain {grainId}: expected version {expectedVersion}, stored version is {stored.Version}");
        }
        return newVersion;
    }

    private static void AddKey(NpgsqlCommand command, GrainId grainId, string stateName)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = grainId.Type });
        command.Parameters.Add(new NpgsqlParameter { Value = grainId.Key });
        command.Parameters.Add(new NpgsqlParameter { Value = stateName });
    }
}
