using System.Text.Json;
using ClearingCluster.Grains.Accounts;
using ClearingCluster.Runtime;
using ClearingCluster.Silo.Database;
using Npgsql;
using NpgsqlTypes;

namespace ClearingCluster.Silo.Storage;

/// <summary>
/// Accounts in PostgreSQL: the operation record, the versioned balance row and the postings go in one
/// transaction. The operation's primary key makes a repeat fail instead of moving money twice; the version makes
/// a stale activation fail instead of overwriting.
/// </summary>
public sealed class PostgresAccountStore(ClearingDatabase database) : IAccountStore
{
    private const string UniqueViolation = "23505";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<(AccountState? State, long Version)> LoadAsync(string accountId, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("SELECT state::text, version FROM accounts WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = accountId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return (null, 0);
        }
        return (JsonSerializer.Deserialize<AccountState>(reader.GetString(0), Json), reader.GetInt64(1));
    }

    public async Task<long> CommitAsync(string accountId, long expectedVersion, AccountState state, IReadOnlyList<Posting> postings,
        AccountOperation operation, CancellationToken cancellationToken)
    {
        var book = new AccountBook(accountId, state);
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            await using (var record = new NpgsqlCommand("INSERT INTO account_operations (account_id, op_key, result) VALUES ($1, $2, $3)", connection, transaction))
            {
                record.Parameters.Add(new NpgsqlParameter { Value = accountId });
                record.Parameters.Add(new NpgsqlParameter { Value = operation.Key });
                record.Parameters.Add(new NpgsqlParameter { Value = operation.ResultJson, NpgsqlDbType = NpgsqlDbType.Jsonb });
                await record.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        catch (PostgresException error) when (error.SqlState == UniqueViolation)
        {
            throw new DuplicateOperationException(accountId, operation.Key);
        }

        var sql = expectedVersion == 0
            ? """
              INSERT INTO accounts (id, version, available_micros, held_micros, escrow_micros, state) VALUES ($1, 1, $2, $3, $4, $5)
              ON CONFLICT (id) DO NOTHING RETURNING version
              """
            : """
              UPDATE accounts SET version = version + 1, available_micros = $2, held_micros = $3, escrow_micros = $4, state = $5, updated_at = now()
              WHERE id = $1 AND version = $6 RETURNING version
              """;
        long newVersion;
        await using (var update = new NpgsqlCommand(sql, connection, transaction))
        {
            update.Parameters.Add(new NpgsqlParameter { Value = accountId });
            update.Parameters.Add(new NpgsqlParameter { Value = book.AvailableMicros });
            update.Parameters.Add(new NpgsqlParameter { Value = book.HeldMicros });
            update.Parameters.Add(new NpgsqlParameter { Value = book.EscrowMicros });
            update.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(state, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
            if (expectedVersion != 0)
            {
                update.Parameters.Add(new NpgsqlParameter { Value = expectedVersion });
            }
            newVersion = await update.ExecuteScalarAsync(cancellationToken) is long v
                ? v
                : throw new InconsistentStateException($"account {accountId}: expected version {expectedVersion}, but it has moved on");
        }

        foreach (var posting in postings)
        {
            await using var insert = new NpgsqlCommand("""
                INSERT INTO postings (transfer_id, account_id, debit_account, credit_account, amount_micros, kind, reference)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                """, connection, transaction);
            insert.Parameters.Add(new NpgsqlParameter { Value = posting.TransferId });
            insert.Parameters.Add(new NpgsqlParameter { Value = accountId });
            insert.Parameters.Add(new NpgsqlParameter { Value = posting.DebitAccount });
            insert.Parameters.Add(new NpgsqlParameter { Value = posting.CreditAccount });
            insert.Parameters.Add(new NpgsqlParameter { Value = posting.AmountMicros });
            insert.Parameters.Add(new NpgsqlParameter { Value = posting.Kind });
            insert.Parameters.Add(new NpgsqlParameter { Value = posting.Reference });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return newVersion;
    }

    public async Task<string?> FindOperationAsync(string accountId, string operationKey, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("SELECT result::text FROM account_operations WHERE account_id = $1 AND op_key = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = accountId });
        command.Parameters.Add(new NpgsqlParameter { Value = operationKey });
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }
}
