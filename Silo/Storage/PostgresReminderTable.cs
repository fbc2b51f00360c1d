using ClearingCluster.Runtime;
using ClearingCluster.Runtime.Reminders;
using ClearingCluster.Silo.Database;
using Npgsql;

namespace ClearingCluster.Silo.Storage;

/// <summary>Durable reminders in the <c>reminders</c> table.</summary>
public sealed class PostgresReminderTable(ClearingDatabase database) : IReminderTable
{
    public async Task<IReadOnlyList<ReminderEntry>> ReadAllAsync(CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("SELECT grain_type, grain_key, name, start_at, period_ms FROM reminders");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<ReminderEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new ReminderEntry(
                GrainId.Create(reader.GetString(0), reader.GetString(1)),
                reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3),
                TimeSpan.FromMilliseconds(reader.GetInt64(4))));
        }
        return entries;
    }

    public async Task UpsertAsync(ReminderEntry entry, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("""
            INSERT INTO reminders (grain_type, grain_key, name, start_at, period_ms) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (grain_type, grain_key, name) DO UPDATE SET start_at = EXCLUDED.start_at, period_ms = EXCLUDED.period_ms
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = entry.GrainId.Type });
        command.Parameters.Add(new NpgsqlParameter { Value = entry.GrainId.Key });
        command.Parameters.Add(new NpgsqlParameter { Value = entry.Name });
        command.Parameters.Add(new NpgsqlParameter { Value = entry.StartAt.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter { Value = (long)entry.Period.TotalMilliseconds });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<bool> RemoveAsync(GrainId grainId, string name, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("DELETE FROM reminders WHERE grain_type = $1 AND grain_key = $2 AND name = $3");
        command.Parameters.Add(new NpgsqlParameter { Value = grainId.Type });
        command.Parameters.Add(new NpgsqlParameter { Value = grainId.Key });
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }
}
