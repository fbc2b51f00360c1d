using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Accounts;
using ClearingCluster.Interfaces.Participants;
using ClearingCluster.TestSupport;
using FsCheck;
using FsCheck.Fluent;
using Npgsql;

namespace ClearingCluster.Integration.Tests;

/// <summary>
/// Account grains on real PostgreSQL under random operations, each sometimes repeated with the same key: the
/// repeat must return the first result and move nothing; balances must match the postings stored.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class AccountGrainPropertyTests(TestPostgres postgres)
{
    public enum Kind
    {
        Deposit,
        Withdraw,
    }

    public sealed record Operation(Kind Kind, int Account, long AmountMicros, int Key, bool Replay);

    private static readonly Gen<Operation> Operations =
        from kind in Gen.Elements(Enum.GetValues<Kind>())
        from account in Gen.Choose(0, 1)
        from amount in Gen.Choose(1, 5_000).Select(n => (long)n * 1_000)
        from key in Gen.Choose(0, 4)
        from replay in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
        select new Operation(kind, account, amount, key, replay);

    [Fact]
    public async Task Repeats_change_nothing_and_stored_postings_always_explain_the_balances()
    {
        var database = await postgres.CreateDatabaseAsync();
        var silo = await SiloHost.StartAsync(database);
        var run = 0;

        var property = Prop.ForAll(Operations.ArrayOf().ToArbitrary(), operations =>
        {
            var accounts = new[] { $"a{run}", $"b{run}" };
            run++;
            return RunAsync(silo, database, accounts, operations).GetAwaiter().GetResult();
        });
        try
        {
            Check.One(Config.QuickThrowOnFailure.WithMaxTest(25).WithReplay(674386, 1), property);
        }
        finally
        {
            await silo.DisposeAsync();
        }

        // And after a restart the stored state says the same.
        await using var restarted = await SiloHost.StartAsync(database);
        for (var i = 0; i < run; i++)
        {
            foreach (var account in new[] { $"a{i}", $"b{i}" })
            {
                var balance = await restarted.Grains.GetGrain<IAccountGrain>(account).GetBalance();
                Assert.Equal(await SumOfPostingsAsync(database, account), balance.AvailableMicros + balance.ReservedMicros);
            }
        }
    }

    private static async Task<bool> RunAsync(SiloHost silo, string database, string[] accounts, Operation[] operations)
    {
        foreach (var account in accounts)
        {
            var participant = silo.Grains.GetGrain<IParticipantGrain>(account);
            await participant.Register(new RegisterParticipant(account, account, [Roles.Buyer], 2));
        }

        long netMicros = 0;
        var results = new Dictionary<string, object>();
        for (var step = 0; step < operations.Length; step++)
        {
            var operation = operations[step];
            var accountId = accounts[operation.Account];
            var account = silo.Grains.GetGrain<IAccountGrain>(accountId);
            // A replay reuses the key of the previous operation of the same kind, with the same amount.
            var reference = operation.Replay ? $"{operation.Kind}-{operation.Key}" : $"{operation.Kind}-{operation.Key}-{step}";
            var opKey = $"{accountId}/{operation.Kind}/{reference}/{operation.AmountMicros}";
            var before = await account.GetBalance();
            var postingsBefore = await CountPostingsAsync(database, accountId);
            try
            {
                object result = operation.Kind switch
                {
                    Kind.Deposit => await account.Deposit(operation.AmountMicros, reference),
                    _ => await account.Withdraw(operation.AmountMicros, reference),
                };
                var after = await account.GetBalance();
                var moved = after.AvailableMicros + after.ReservedMicros - (before.AvailableMicros + before.ReservedMicros);
                netMicros += moved;
                if (results.TryGetValue(opKey, out var first))
                {
                    // The same reference again: the first result, nothing moved, no posting written.
                    if (!Equals(((AccountBalance)first).AvailableMicros, ((AccountBalance)result).AvailableMicros) || moved != 0
                        || await CountPostingsAsync(database, accountId) != postingsBefore)
                    {
                        return false;
                    }
                }
                results.TryAdd(opKey, result);
            }
            catch (DomainException)
            {
                var after = await account.GetBalance();
                if (after.AvailableMicros != before.AvailableMicros || after.ReservedMicros != before.ReservedMicros
                    || await CountPostingsAsync(database, accountId) != postingsBefore)
                {
                    return false;
                }
            }

            foreach (var id in accounts)
            {
                var balance = await silo.Grains.GetGrain<IAccountGrain>(id).GetBalance();
                if (balance.AvailableMicros < 0 || balance.ReservedMicros != balance.HeldMicros + balance.EscrowMicros
                    || balance.AvailableMicros + balance.ReservedMicros != await SumOfPostingsAsync(database, id))
                {
                    return false;
                }
            }
        }

        long total = 0;
        foreach (var id in accounts)
        {
            var balance = await silo.Grains.GetGrain<IAccountGrain>(id).GetBalance();
            total += balance.AvailableMicros + balance.ReservedMicros;
        }
        return total == netMicros;
    }

    /// <summary>What the postings alone say the account holds: credits minus debits over its sub-accounts.</summary>
    private static async Task<long> SumOfPostingsAsync(string database, string accountId)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT coalesce(sum(CASE WHEN credit_account LIKE $1 THEN amount_micros ELSE 0 END), 0)
                 - coalesce(sum(CASE WHEN debit_account LIKE $1 THEN amount_micros ELSE 0 END), 0)
            FROM postings WHERE account_id = $2
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = accountId + ":%" });
        command.Parameters.Add(new NpgsqlParameter { Value = accountId });
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static Task<long> CountPostingsAsync(string database, string accountId) =>
        Sql.LongAsync(database, "SELECT count(*) FROM postings WHERE account_id = $1", accountId);
}
