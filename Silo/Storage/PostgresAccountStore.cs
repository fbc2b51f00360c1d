using System.Text.Json;
using ClearingCluster.Grains.Accounts;
using ClearingCluster.Silo.Database;
using Npgsql;

namespace ClearingCluster.Silo.Storage;

/// <summary>Accounts in PostgreSQL, read side: totals are columns (a CHECK keeps each at or above zero), details a JSON document.</summary>
public sealed class PostgresAccountStore(ClearingDatabase database) : IAccountStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<(AccountTotals Totals, AccountState State)?> LoadAsync(string accountId, CancellationToken cancellationToken)
    {
        // One statement, so the vouchers' settled use is read from the same snapshot as the totals.
        await using var command = database.DataSource.CreateCommand("""
            SELECT available_micros, held_micros, escrow_micros, version, state::text, backing_micros,
                   (SELECT coalesce(jsonb_object_agg(voucher_id, micros), '{}')::text FROM (
                        SELECT u.voucher_id, sum(u.micros) AS micros FROM voucher_uses u
                        JOIN clearing_cycles c ON c.id = u.cycle_id AND c.status = 'settled'
                        WHERE u.holder = $1 GROUP BY u.voucher_id) used)
            FROM accounts WHERE id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = accountId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        var state = JsonSerializer.Deserialize<AccountState>(reader.GetString(4), Json) ?? new AccountState();
        // What is left of a voucher is what it was issued with less what settled cycles took: the stored figure may lag.
        var used = JsonSerializer.Deserialize<Dictionary<string, long>>(reader.GetString(6), Json)!;
        state.Vouchers = [.. state.Vouchers.Select(v => v with { RemainingMicros = v.AmountMicros - used.GetValueOrDefault(v.Id) })];
        return (new AccountTotals(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(5)), state);
    }

    public async Task<string?> FindOperationAsync(string accountId, string operationKey, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("SELECT result::text FROM account_operations WHERE account_id = $1 AND op_key = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = accountId });
        command.Parameters.Add(new NpgsqlParameter { Value = operationKey });
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public async Task<IReadOnlyList<(string AccountId, AccountTotals Totals)>> HoldingAsync(CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            "SELECT id, available_micros, held_micros, escrow_micros, version, backing_micros FROM accounts WHERE held_micros > 0 OR escrow_micros > 0 ORDER BY id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var accounts = new List<(string, AccountTotals)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            accounts.Add((reader.GetString(0), new AccountTotals(reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5))));
        }
        return accounts;
    }
}
