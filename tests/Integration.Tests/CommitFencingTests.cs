using ClearingCluster.Grains.Accounts;
using ClearingCluster.Interfaces.Accounts;
using ClearingCluster.Runtime.Durability;
using ClearingCluster.Silo.Commit;
using ClearingCluster.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ClearingCluster.Integration.Tests;

/// <summary>
/// The commit log's fence in PostgreSQL itself: two silos on one database, the same writer opened in both. The later
/// epoch wins; the earlier one can never commit again, whatever it holds in memory.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CommitFencingTests(TestPostgres postgres)
{
    private static AccountCommit Deposit(string account, long amount, string key) =>
        new(account, new AccountDelta(account, amount, 0, 0), new AccountOperation(key, "{}"), [], null);

    /// <summary>
    /// The fence locks its writers' rows FOR SHARE: two flushes carrying the same writer (a clearing settlement and a
    /// flush with an item of the clearing grain's partition) run side by side; a new epoch waits for both, and a flush
    /// checking after it is refused.
    /// </summary>
    [Fact]
    public async Task Flushes_sharing_a_writer_do_not_wait_for_each_other_and_a_new_epoch_waits_for_them_and_refuses_the_next()
    {
        var database = await WithWritersAsync("('fence-test/shared', 1)");

        await using var first = await Open(database);
        await using var holding = await first.BeginTransactionAsync();
        await Execute(first, "CALL fence_writers(ARRAY['fence-test/shared'], ARRAY[1::bigint], 1)");
        await using (var second = await Open(database))
        {
            // Would fail with a lock timeout if it had to wait for the first flush's transaction.
            await Execute(second, "SET lock_timeout = '5s'");
            await using var beside = await second.BeginTransactionAsync();
            await Execute(second, "CALL fence_writers(ARRAY['fence-test/shared', 'fence-test/shared'], ARRAY[1::bigint, 1::bigint], 2)");
            await beside.CommitAsync();
        }

        await using var taker = await Open(database);
        await Execute(taker, "SET lock_timeout = '200ms'");
        var waited = await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
            Execute(taker, "UPDATE writer_epochs SET epoch = 2 WHERE writer = 'fence-test/shared'"));
        Assert.Equal("55P03", waited.SqlState);
        await holding.CommitAsync();
        await Execute(taker, "UPDATE writer_epochs SET epoch = 2 WHERE writer = 'fence-test/shared'");

        var refused = await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
            Execute(first, "CALL fence_writers(ARRAY['fence-test/shared'], ARRAY[1::bigint], 3)"));
        Assert.Equal("CC001", refused.SqlState);

    }

    /// <summary>
    /// A flush whose fence reaches a writer's row while a takeover's epoch bump holds it waits for the bump, and once
    /// the bump commits the flush is refused: the row is re-checked at its new epoch, not passed on the old snapshot.
    /// </summary>
    [Fact]
    public async Task A_flush_that_waited_behind_an_epoch_bump_is_refused_when_the_bump_commits()
    {
        var database = await WithWritersAsync("('fence-test/bumped', 1), ('fence-test/bystander', 1)");
        await using var observer = await Open(database);

        await using var taker = await Open(database);
        await using var takeover = await taker.BeginTransactionAsync();
        await Execute(taker, "UPDATE writer_epochs SET epoch = 2 WHERE writer = 'fence-test/bumped'");

        await using var flusher = await Open(database);
        var fence = Execute(flusher, "CALL fence_writers(ARRAY['fence-test/bystander', 'fence-test/bumped'], ARRAY[1::bigint, 1::bigint], 1)");
        await UntilWaitingForALockAsync(observer, flusher.ProcessID, fence);
        await takeover.CommitAsync();

        var refused = await Assert.ThrowsAsync<PostgresException>(() => fence);
        Assert.Equal(PostgresCommitStore.StaleWriterState, refused.SqlState);
        // The writer that kept its epoch alone still passes.
        await Execute(flusher, "CALL fence_writers(ARRAY['fence-test/bystander'], ARRAY[1::bigint], 2)");
    }

    /// <summary>
    /// The fence locks its writers in their byte order whatever order the flush lists them in, as a takeover bumps
    /// several partitions' epochs in that order. Here the takeover holds <c>partition/10</c> (first in byte order) and
    /// the flush lists <c>partition/2</c> first: had the fence locked <c>partition/2</c> before waiting, the takeover's
    /// next lock would close a cycle, which PostgreSQL breaks by aborting one of them (40P01).
    /// </summary>
    [Fact]
    public async Task A_flush_and_a_takeover_lock_writers_in_one_order_and_never_deadlock()
    {
        var database = await WithWritersAsync("('partition/2', 1), ('partition/10', 1)");
        await using var observer = await Open(database);

        await using var taker = await Open(database);
        await Execute(taker, "SET lock_timeout = '5s'");
        await using var takeover = await taker.BeginTransactionAsync();
        await Execute(taker, "UPDATE writer_epochs SET epoch = 2 WHERE writer = 'partition/10'");

        await using var flusher = await Open(database);
        var fence = Execute(flusher, "CALL fence_writers(ARRAY['partition/2', 'partition/10'], ARRAY[1::bigint, 1::bigint], 1)");
        await UntilWaitingForALockAsync(observer, flusher.ProcessID, fence);
        await Execute(taker, "UPDATE writer_epochs SET epoch = 2 WHERE writer = 'partition/2'");
        await takeover.CommitAsync();

        var refused = await Assert.ThrowsAsync<PostgresException>(() => fence);
        Assert.Equal(PostgresCommitStore.StaleWriterState, refused.SqlState);
    }

    /// <summary>PostgreSQL's own view of the other backend; it offers no event to wait on.</summary>
    private static async Task UntilWaitingForALockAsync(NpgsqlConnection observer, int backend, Task running)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            Assert.False(running.IsCompleted, "the fence finished without waiting for the epoch bump");
            await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'", observer);
            command.Parameters.Add(new NpgsqlParameter { Value = backend });
            if ((long)(await command.ExecuteScalarAsync())! == 1)
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, "the fence never waited for the row the epoch bump holds");
            await Task.Delay(20);
        }
    }

    /// <summary>A migrated database (the fence procedure is its own from here) holding these writers.</summary>
    private async Task<string> WithWritersAsync(string rows)
    {
        var database = await postgres.CreateDatabaseAsync();
        await using (var silo = await SiloHost.StartAsync(database, SiloHost.Unowned))
        {
        }
        await using var setup = await Open(database);
        await Execute(setup, $"INSERT INTO writer_epochs (writer, epoch) VALUES {rows}");
        return database;
    }

    private static async Task<NpgsqlConnection> Open(string database)
    {
        var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task A_writer_whose_epoch_another_silo_claimed_is_refused_by_the_database_and_stays_refused()
    {
        var database = await postgres.CreateDatabaseAsync();
        // The writer fence on its own, behind partition ownership (which would keep the second silo from serving at all).
        await using var first = await SiloHost.StartAsync(database, SiloHost.Unowned);
        await using var second = await SiloHost.StartAsync(database, SiloHost.Unowned);
        const string account = "fenced-account";

        var old = await first.Services.GetRequiredService<GroupCommit>().OpenWriterAsync("fence-test/account", CancellationToken.None);
        await old.CommitAsync(Deposit(account, 100, "d-1"));
        var taker = await second.Services.GetRequiredService<GroupCommit>().OpenWriterAsync("fence-test/account", CancellationToken.None);
        Assert.True(taker.Fence.Epoch > old.Fence.Epoch);

        // The old activation still believes it owns the account; the database says otherwise.
        var refused = await Assert.ThrowsAsync<StaleWriterException>(() => old.CommitAsync(Deposit(account, 1_000, "d-2")));
        Assert.Contains(old.Fence, refused.Fences);
        await Assert.ThrowsAnyAsync<Exception>(() => old.CommitAsync(Deposit(account, 10_000, "d-3")));

        // Another writer of the first silo is untouched, and the new owner commits.
        var bystander = await first.Services.GetRequiredService<GroupCommit>().OpenWriterAsync("fence-test/other", CancellationToken.None);
        await bystander.CommitAsync(Deposit("other-account", 5, "o-1"));
        await taker.CommitAsync(Deposit(account, 20, "d-4"));

        Assert.Equal(120, await AvailableAsync(database, account));
        Assert.Equal(5, await AvailableAsync(database, "other-account"));
        Assert.Equal(0, await ScalarAsync(database, "SELECT count(*) FROM account_operations WHERE op_key IN ('d-2', 'd-3')"));
    }

    private static async Task<long> AvailableAsync(string database, string account) =>
        await ScalarAsync(database, $"SELECT available_micros FROM accounts WHERE id = '{account}'");

    private static async Task<long> ScalarAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}
