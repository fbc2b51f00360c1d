using System.Security.Cryptography;
using System.Text.Json;
using ClearingCluster.Grains.Clearing;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Clearing;
using ClearingCluster.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ClearingCluster.Integration.Tests;

/// <summary>
/// An archive interrupted anywhere is finished by running it again, and nothing is dropped without a file that
/// matches its record: a lost file is written again while the records are still in a table, and refused once not.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class UsageArchiveResumeTests(TestPostgres postgres)
{
    [Fact]
    public async Task A_lost_or_changed_archive_file_is_written_again_from_the_table_or_refused_once_the_table_is_gone()
    {
        var database = await postgres.CreateDatabaseAsync();
        var directory = Path.Combine(Path.GetTempPath(), "clearingcluster-tests", Guid.NewGuid().ToString("N"));
        await using var silo = await SiloHost.StartAsync(database, new() { ["Clearing:Archive:Directory"] = directory });
        var archive = silo.Services.GetRequiredService<IUsageArchive>();

        // Crash after the record, with the file lost and the partition still attached: written again, then dropped.
        await CycleAsync(database, "c91", rows: 3);
        await ExecuteAsync(database, "UPDATE clearing_cycles SET usage_archive = $1::jsonb WHERE id = 'c91'", Bogus("c91"));
        var rewritten = await archive.ArchiveAsync("c91", CancellationToken.None);
        Assert.Equal((3L, 30L), (rewritten.Rows, rewritten.Records));
        Assert.True(await MatchesAsync(rewritten));
        Assert.False(await TableExistsAsync(database, "usage_records_c91"));

        // Crash after the detach, before the drop, the file lost: written again from the detached table.
        await CycleAsync(database, "c92", rows: 2);
        await ExecuteAsync(database, "UPDATE clearing_cycles SET usage_archive = $1::jsonb WHERE id = 'c92'", Bogus("c92"));
        await ExecuteAsync(database, "ALTER TABLE usage_records DETACH PARTITION usage_records_c92");
        var fromDetached = await archive.ArchiveAsync("c92", CancellationToken.None);
        Assert.Equal(20, fromDetached.Records);
        Assert.True(await MatchesAsync(fromDetached));
        Assert.False(await TableExistsAsync(database, "usage_records_c92"));

        // Archived and dropped, then the file changed: a repeat refuses rather than pretend.
        await File.AppendAllTextAsync(rewritten.File, "tampered");
        var refused = await Assert.ThrowsAsync<DomainException>(() => archive.ArchiveAsync("c91", CancellationToken.None));
        Assert.Equal("archive_damaged", refused.Code);
        // Untouched, a repeat answers the same archive.
        Assert.Equal(fromDetached, await archive.ArchiveAsync("c92", CancellationToken.None));
    }

    private static string Bogus(string cycle) => JsonSerializer.Serialize(
        new UsageArchive($"/nonexistent/usage-{cycle}.pgcopy", 1, 1, 1, 1, new string('0', 64), DateTimeOffset.UtcNow), JsonSerializerOptions.Web);

    /// <summary>A settled cycle with its own partition holding <paramref name="rows"/> rows of 10 calls.</summary>
    private static async Task CycleAsync(string database, string cycle, int rows)
    {
        await ExecuteAsync(database, "INSERT INTO clearing_cycles (id, number, status, opened_at, cut_at) VALUES ($1, $2, 'settled', now(), now())",
            cycle, long.Parse(cycle[1..], System.Globalization.CultureInfo.InvariantCulture));
        await ExecuteAsync(database, "SELECT usage_records_add_partition($1)", cycle);
        await ExecuteAsync(database, """
            INSERT INTO usage_records (cycle_id, contract_id, shard, first_at, last_at, record_count, units, producers, records)
            SELECT $1, 'K-' || n, 0, now(), now(), 10, 10, '{p}', '\x0002'::bytea FROM generate_series(1, $2) AS n
            """, cycle, rows);
    }

    private static async Task<bool> MatchesAsync(UsageArchive archive) =>
        File.Exists(archive.File) && Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(archive.File))) == archive.Sha256;

    private static async Task<bool> TableExistsAsync(string database, string table)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = table });
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(string database, string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }
        await command.ExecuteNonQueryAsync();
    }
}
