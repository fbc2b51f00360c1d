using ClearingCluster.Grains.Accounts;
using ClearingCluster.Interfaces.Accounts;
using Npgsql;
using NpgsqlTypes;

namespace ClearingCluster.Silo.Commit;

/// <summary>
/// One flush being built: statements that PostgreSQL runs as one implicit transaction in one round trip (an
/// <see cref="NpgsqlBatch"/> without an explicit transaction is atomic), and the account deltas of every item,
/// summed per account into one upsert that returns each account's new row version.
/// </summary>
public sealed class FlushContext(long flushSequence)
{
    private readonly List<(NpgsqlBatchCommand Command, Action<NpgsqlDataReader>? ReadRows)> commands = [];
    private readonly Dictionary<string, AccountTotals> accounts = new(StringComparer.Ordinal);
    private bool mayCreateAccounts;

    public long FlushSequence { get; } = flushSequence;

    public int CommandCount => commands.Count;

    /// <summary>
    /// Adds a statement with positional parameters (<c>$1</c>, …); <paramref name="readRows"/> reads what it returns. A lone
    /// array parameter must be wrapped (<c>[ids]</c>): a bare <c>string[]</c> would be taken as the parameter list itself.
    /// </summary>
    public void Add(string sql, Action<NpgsqlDataReader>? readRows, params object?[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in parameters)
        {
            command.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value ?? DBNull.Value });
        }
        commands.Add((command, readRows));
    }

    public static NpgsqlParameter Jsonb(object? value) => new() { Value = value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb };

    public static NpgsqlParameter JsonbArray(string?[] values) => new() { Value = values, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb };

    /// <summary>Adds an item's money moves; <paramref name="stateJson"/> replaces the account's stored details when given.</summary>
    public void AddAccountDeltas(IMovesMoney source, string? stateJson = null, string? stateAccount = null)
    {
        mayCreateAccounts |= source.MayCreateAccounts;
        foreach (var delta in source.AccountDeltas)
        {
            Totals(delta.AccountId).Add(delta, source);
        }
        if (stateJson is not null)
        {
            Totals(stateAccount ?? throw new ArgumentNullException(nameof(stateAccount))).SetState(stateJson, source);
        }
    }

    /// <summary>Runs the flush, blocking the calling thread (the commit log's own) until PostgreSQL has committed it.</summary>
    internal void Execute(NpgsqlConnection connection)
    {
        AddAccountUpsert();
        using var batch = new NpgsqlBatch(connection);
        foreach (var (command, _) in commands)
        {
            batch.BatchCommands.Add(command);
        }
        using var reader = batch.ExecuteReader();
        var first = true;
        foreach (var (_, readRows) in commands)
        {
            if (readRows is null)
            {
                continue;
            }
            if (!first && !reader.NextResult())
            {
                throw new InvalidOperationException("a flush statement returned no rows where rows were expected");
            }
            first = false;
            readRows(reader);
        }
    }

    private AccountTotals Totals(string accountId)
    {
        if (!accounts.TryGetValue(accountId, out var totals))
        {
            accounts[accountId] = totals = new AccountTotals();
        }
        return totals;
    }

    /// <summary>
    /// One upsert for every account the flush touches: the deltas are added (a CHECK refuses any balance below zero,
    /// failing the whole flush), the version grows by one, and the new versions go back to the items.
    /// </summary>
    private void AddAccountUpsert()
    {
        if (accounts.Count == 0)
        {
            return;
        }
        var ids = accounts.Keys.ToArray();
        var totals = ids.Select(id => accounts[id]).ToArray();
        // PostgreSQL checks a proposed insert row's CHECKs even when ON CONFLICT turns it into an update, so a row is
        // first made to exist (all zero), and the deltas are then added to it: only when a flush may create one.
        if (mayCreateAccounts)
        {
            Add("""
                INSERT INTO accounts (id, version, available_micros, held_micros, escrow_micros, backing_micros, state)
                SELECT id, 1, 0, 0, 0, 0, '{}' FROM unnest($1::text[]) AS t(id)
                ON CONFLICT (id) DO NOTHING
                """, null, [accounts.Keys.ToArray()]);
        }
        Add("""
            UPDATE accounts AS a SET
                version = a.version + 1,
                available_micros = a.available_micros + t.available,
                held_micros = a.held_micros + t.held,
                escrow_micros = a.escrow_micros + t.escrow,
                backing_micros = a.backing_micros + t.backing,
                state = coalesce(t.state, a.state),
                updated_at = now()
            FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::jsonb[], $6::bigint[]) AS t(id, available, held, escrow, state, backing)
            WHERE a.id = t.id
            RETURNING a.id, a.version
            """,
            reader =>
            {
                var seen = 0;
                while (reader.Read())
                {
                    var id = reader.GetString(0);
                    var version = reader.GetInt64(1);
                    foreach (var source in accounts[id].Sources)
                    {
                        source.AccountCommitted(id, version);
                    }
                    seen++;
                }
                if (seen != accounts.Count)
                {
                    // Money moved on an account without a row: a bug upstream. The flush is reported failed (it may have
                    // committed: its writers reload from storage, which is the truth either way).
                    throw new InvalidOperationException($"the flush moved money on {accounts.Count} accounts but {seen} had a row");
                }
            },
            ids, totals.Select(t => t.Available).ToArray(), totals.Select(t => t.Held).ToArray(), totals.Select(t => t.Escrow).ToArray(),
            JsonbArray([.. totals.Select(t => t.State)]), totals.Select(t => t.Backing).ToArray());
    }

    private sealed class AccountTotals
    {
        public long Available { get; private set; }

        public long Held { get; private set; }

        public long Escrow { get; private set; }

        public long Backing { get; private set; }

        public string? State { get; private set; }

        public List<IMovesMoney> Sources { get; } = [];

        public void Add(AccountDelta delta, IMovesMoney source)
        {
            Available = checked(Available + delta.AvailableMicros);
            Held = checked(Held + delta.HeldMicros);
            Escrow = checked(Escrow + delta.EscrowMicros);
            Backing = checked(Backing + delta.BackingMicros);
            Track(source);
        }

        public void SetState(string json, IMovesMoney source)
        {
            State = json;
            Track(source);
        }

        private void Track(IMovesMoney source)
        {
            if (!Sources.Contains(source))
            {
                Sources.Add(source);
            }
        }
    }
}
