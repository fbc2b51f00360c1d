using System.Security.Cryptography;
using System.Text.Json;
using ClearingCluster.Grains.Clearing;
using ClearingCluster.Interfaces.Clearing;
using ClearingCluster.Silo.Database;
using Npgsql;

namespace ClearingCluster.Silo.Storage;

/// <summary>
/// Archives a settled cycle's partition of <c>usage_records</c> (migration 0011) in steps that each leave something
/// a repeat can finish: the partition is copied (binary COPY) to <c>usage-&lt;cycle&gt;.pgcopy</c> through a
/// <c>.partial</c> file synced and renamed (and the directory synced), with the SHA-256 and counts recorded on the
/// cycle; then the partition is detached CONCURRENTLY — inserts into the open cycle's partition go on meanwhile — and
/// dropped. A repeat after the record first checks the file against it (size and SHA-256): a file missing or changed
/// is written again while the table exists, and refused once it is gone; then it detaches (finishing a detach left
/// pending) and drops. Nothing is dropped without a checked file.
/// </summary>
public sealed class PostgresUsageArchive(ClearingDatabase database, ArchiveOptions options, TimeProvider time) : IUsageArchive
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<UsageArchive> ArchiveAsync(string cycleId, CancellationToken cancellationToken)
    {
        var partition = await ScalarAsync<string>("SELECT usage_records_partition($1)", cancellationToken, cycleId);
        var archive = await RecordedAsync(cycleId, cancellationToken);
        if (archive is not null && !await MatchesAsync(archive, cancellationToken))
        {
            if (await PartitionStateAsync(partition, cancellationToken) == "missing")
            {
                throw Interfaces.DomainException.Conflict("archive_damaged",
                    $"cycle {cycleId}'s archive {archive.File} is missing or differs from what was recorded (SHA-256 {archive.Sha256}) and its records are no longer in the database: restore the file from a copy");
            }
            archive = null;
        }
        archive ??= await WriteAsync(cycleId, partition, cancellationToken);

        switch (await PartitionStateAsync(partition, cancellationToken))
        {
            case "attached":
                await ExecuteAsync($"ALTER TABLE usage_records DETACH PARTITION {partition} CONCURRENTLY", cancellationToken);
                break;
            case "detach_pending":
                await ExecuteAsync($"ALTER TABLE usage_records DETACH PARTITION {partition} FINALIZE", cancellationToken);
                break;
        }
        await ExecuteAsync($"DROP TABLE IF EXISTS {partition}", cancellationToken);
        return archive;
    }

    private async Task<UsageArchive> WriteAsync(string cycleId, string partition, CancellationToken cancellationToken)
    {
        if (await PartitionStateAsync(partition, cancellationToken) == "missing")
        {
            throw new InvalidOperationException($"cycle {cycleId} has no usage partition {partition} and no archive recorded");
        }
        var directory = Path.GetFullPath(options.Directory);
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, $"usage-{cycleId}.pgcopy");
        var partial = file + ".partial";

        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        // One snapshot for the counts and the copy: a settled cycle takes no more usage, but the archive says what it holds.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        long rows, records, units;
        await using (var count = new NpgsqlCommand($"SELECT count(*), coalesce(sum(record_count), 0)::bigint, coalesce(sum(units), 0)::bigint FROM {partition}",
            connection, transaction))
        await using (var reader = await count.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            (rows, records, units) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        }

        long bytes;
        string sha256;
        await using (var output = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous))
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using (var copy = await connection.BeginRawBinaryCopyAsync($"COPY {partition} TO STDOUT (FORMAT BINARY)", cancellationToken))
            {
                var buffer = new byte[1 << 20];
                int read;
                while ((read = await copy.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }
            output.Flush(flushToDisk: true);
            bytes = output.Length;
            sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
        }
        await transaction.CommitAsync(cancellationToken);
        File.Move(partial, file, overwrite: true);
        DirectorySync.Flush(directory);

        var archive = new UsageArchive(file, rows, records, units, bytes, sha256, time.GetUtcNow());
        await using var record = database.DataSource.CreateCommand(
            "UPDATE clearing_cycles SET usage_archive = $2::jsonb, updated_at = now() WHERE id = $1");
        record.Parameters.Add(new NpgsqlParameter { Value = cycleId });
        record.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(archive, Json) });
        await record.ExecuteNonQueryAsync(cancellationToken);
        return archive;
    }

    private static async Task<bool> MatchesAsync(UsageArchive archive, CancellationToken cancellationToken)
    {
        if (!File.Exists(archive.File) || new FileInfo(archive.File).Length != archive.Bytes)
        {
            return false;
        }
        await using var file = new FileStream(archive.File, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken)) == archive.Sha256;
    }

    private async Task<UsageArchive?> RecordedAsync(string cycleId, CancellationToken cancellationToken)
    {
        var json = await ScalarAsync<string?>("SELECT usage_archive::text FROM clearing_cycles WHERE id = $1", cancellationToken, cycleId);
        return json is null ? null : JsonSerializer.Deserialize<UsageArchive>(json, Json);
    }

    /// <summary><c>attached</c>, <c>detach_pending</c> (a concurrent detach was interrupted), <c>detached</c> or <c>missing</c>.</summary>
    private Task<string> PartitionStateAsync(string partition, CancellationToken cancellationToken) => ScalarAsync<string>("""
        SELECT CASE
            WHEN to_regclass($1) IS NULL THEN 'missing'
            WHEN NOT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass($1)) THEN 'detached'
            WHEN (SELECT inhdetachpending FROM pg_inherits WHERE inhrelid = to_regclass($1)) THEN 'detach_pending'
            ELSE 'attached' END
        """, cancellationToken, partition);

    private async Task<T> ScalarAsync<T>(string sql, CancellationToken cancellationToken, params object[] parameters) =>
        (await database.DataSource.ScalarAsync<T>(sql, cancellationToken, parameters))!;

    /// <summary>Runs a statement outside any transaction (DETACH … CONCURRENTLY refuses one); names come from <c>usage_records_partition</c>.</summary>
    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(sql);
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
