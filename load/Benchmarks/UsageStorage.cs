using System.Globalization;
using Npgsql;

namespace ClearingCluster.Load.Benchmarks;

/// <summary>What usage records cost on disk: every partition of <c>usage_records</c> with its TOAST and indexes, per record.</summary>
public static class UsageStorage
{
    public static async Task<(long Records, long Bytes)> MeasureAsync(string connectionString, string? onlyCycle = null)
    {
        await using var source = NpgsqlDataSource.Create(connectionString);
        await using var command = source.CreateCommand("""
            SELECT
                (SELECT coalesce(sum(record_count), 0)::bigint FROM usage_records WHERE $1::text IS NULL OR cycle_id = $1),
                (SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0)::bigint FROM pg_inherits
                 WHERE inhparent = 'usage_records'::regclass AND ($1::text IS NULL OR inhrelid = to_regclass(usage_records_partition($1))))
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)onlyCycle ?? DBNull.Value });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    public static string Describe((long Records, long Bytes) measured) => string.Create(CultureInfo.InvariantCulture,
        $"{measured.Records:N0} records in {measured.Bytes / 1024.0 / 1024.0:N1} MiB on disk (data, TOAST and indexes): {(measured.Records == 0 ? 0 : (double)measured.Bytes / measured.Records):N1} bytes a record");
}
