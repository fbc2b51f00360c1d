using System.Text.Json;
using ClearingCluster.Grains.Accounts;
using ClearingCluster.Grains.Clearing;
using ClearingCluster.Interfaces.Accounts;
using ClearingCluster.Interfaces.Clearing;
using ClearingCluster.Interfaces.Contracts;
using ClearingCluster.Runtime.Durability;
using ClearingCluster.Silo.Commit;
using ClearingCluster.Silo.Database;
using Npgsql;
using NpgsqlTypes;

namespace ClearingCluster.Silo.Storage;

/// <summary>
/// Clearing in PostgreSQL (migration 0010). Every step is one transaction: a cut-off's start, a computation's staging
/// (its lines by binary COPY into the cycle's own partition), a settlement (fenced like a commit-log flush, with the
/// same account upsert). Reads are set-based: a cycle's inputs are one query, whatever the number of contracts.
/// </summary>
public sealed class PostgresClearingStore(ClearingDatabase database) : IClearingStore
{
    private const string CycleStateError = "CC002";
    private const string CycleColumns = "id, number, status, opened_at, cut_at, report::text, steps::text, failure, ledger_seq, usage_archive::text";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<OpenCycle> OpenCycleAsync(CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            "SELECT id, number, (SELECT max(cut_at) FROM clearing_cycles) FROM clearing_cycles WHERE status = 'open'");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new InvalidOperationException("no clearing cycle is open: migration 0010 opens the first and every cut-off the next");
        }
        return new OpenCycle(reader.GetString(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2));
    }

    /// <summary>
    /// The partition of the cycle after the one just opened, made now so its cut-off finds it; best effort, bounded by a
    /// lock timeout (an archive's concurrent detach holds the lock it needs): that cut-off makes it otherwise.
    /// </summary>
    private async Task AddPartitionAheadAsync(string cycleId, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await ExecuteAsync(connection, transaction, "SET LOCAL lock_timeout = '5s'", cancellationToken, null);
            await ExecuteAsync(connection, transaction, "SELECT usage_records_add_partition($1)", cancellationToken, null, cycleId);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (PostgresException error) when (error.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            // Made by the next cut-off instead.
        }
    }

    public async Task<CycleView?> FindAsync(string cycleId, CancellationToken cancellationToken) =>
        (await CyclesAsync($"SELECT {CycleColumns} FROM clearing_cycles WHERE id = $1", cancellationToken, cycleId)).SingleOrDefault();

    public Task<IReadOnlyList<CycleView>> ListAsync(long? beforeNumber, int limit, CancellationToken cancellationToken) =>
        CyclesAsync($"SELECT {CycleColumns} FROM clearing_cycles WHERE number < $1 ORDER BY number DESC LIMIT $2", cancellationToken,
            beforeNumber ?? long.MaxValue, limit);

    public async Task<CycleView> BeginCutOffAsync(string closing, DateTimeOffset cutAt, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        long number;
        await using (var close = new NpgsqlCommand(
            "UPDATE clearing_cycles SET status = 'cutting_off', cut_at = $2, updated_at = now() WHERE id = $1 AND status = 'open' RETURNING number", connection, transaction))
        {
            close.Parameters.Add(new NpgsqlParameter { Value = closing });
            close.Parameters.Add(new NpgsqlParameter { Value = cutAt });
            number = await close.ExecuteScalarAsync(cancellationToken) as long? ?? throw new CycleStateException($"cycle {closing} is no longer open");
        }
        await using (var open = new NpgsqlCommand("INSERT INTO clearing_cycles (id, number, status, opened_at) VALUES ($1, $2, 'open', $3)", connection, transaction))
        {
            open.Parameters.Add(new NpgsqlParameter { Value = ClearingGrain.CycleId(number + 1) });
            open.Parameters.Add(new NpgsqlParameter { Value = number + 1 });
            open.Parameters.Add(new NpgsqlParameter { Value = cutAt });
            await open.ExecuteNonQueryAsync(cancellationToken);
        }
        // The new cycle's usage has a partition before any meter counts in it (migration 0011); made ahead by the last
        // cut-off as a rule, so this finds it and takes no lock.
        await using (var partition = new NpgsqlCommand("SELECT usage_records_add_partition($1)", connection, transaction))
        {
            partition.Parameters.Add(new NpgsqlParameter { Value = ClearingGrain.CycleId(number + 1) });
            await partition.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        await AddPartitionAheadAsync(ClearingGrain.CycleId(number + 2), cancellationToken);
        return (await FindAsync(closing, cancellationToken))!;
    }

    public async Task SetStatusAsync(string cycleId, CycleStatus status, IReadOnlyList<CycleStep> steps, string? failure, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            "UPDATE clearing_cycles SET status = $2, steps = $3, failure = $4, updated_at = now() WHERE id = $1 AND status NOT IN ('open', 'settled')");
        command.Parameters.Add(new NpgsqlParameter { Value = cycleId });
        command.Parameters.Add(new NpgsqlParameter { Value = CycleStatuses.Wire(status) });
        command.Parameters.Add(FlushContext.Jsonb(JsonSerializer.Serialize(steps, Json)));
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)failure ?? DBNull.Value });
        if (await command.ExecuteNonQueryAsync(cancellationToken) != 1)
        {
            throw new CycleStateException($"cycle {cycleId} is open or settled; its status is not changed");
        }
    }

    public async Task<IReadOnlyDictionary<string, long>> TermsWatermarksAsync(CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("SELECT product, through_contract FROM clearing_watermarks");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var marks = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            marks[reader.GetString(0)] = reader.GetInt64(1);
        }
        return marks;
    }

    public async Task AddTermsAsync(IReadOnlyList<ContractTerms> terms, IReadOnlyDictionary<string, long> watermarks, CancellationToken cancellationToken)
    {
        var batch = new FlushContext(0);
        batch.Add("""
            INSERT INTO clearing_contracts (contract_id, product, buyer, provider, price_micros, quota, valid_to, fee_basis_points)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::timestamptz[], $8::int[])
            ON CONFLICT (contract_id) DO NOTHING
            """, null,
            terms.Select(t => t.Id).ToArray(), terms.Select(t => t.Product).ToArray(), terms.Select(t => t.Buyer).ToArray(),
            terms.Select(t => t.Provider).ToArray(), terms.Select(t => t.PriceMicros).ToArray(), terms.Select(t => t.Quota).ToArray(),
            terms.Select(t => t.ValidTo.UtcDateTime).ToArray(), terms.Select(t => checked((int)t.ExchangeFeeBasisPoints)).ToArray());
        batch.Add("""
            INSERT INTO clearing_watermarks (product, through_contract) SELECT * FROM unnest($1::text[], $2::bigint[])
            ON CONFLICT (product) DO UPDATE SET through_contract = greatest(clearing_watermarks.through_contract, EXCLUDED.through_contract)
            """, null, watermarks.Keys.ToArray(), watermarks.Values.ToArray());
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await Task.Run(() => batch.Execute(connection), cancellationToken);
    }

    private const string Terms = "t.product, t.buyer, t.provider, t.price_micros, t.quota, t.valid_to, t.fee_basis_points";

    private const string SettledBefore = """
        CASE WHEN t.valid_to <= $3 THEN (SELECT coalesce(sum(p.used), 0)::bigint FROM contract_usage p
            JOIN clearing_cycles k ON k.id = p.cycle_id AND k.status = 'settled' WHERE p.contract_id = t.contract_id) END
        """;

    /// <summary>A cycle's usage with its contracts' terms ($1 cycle, $2 previous cut, $3 cut); public for the benchmark's plan.</summary>
    public const string CycleUsageQuery = $"""
        SELECT u.contract_id, {Terms}, u.used, {SettledBefore}
        FROM contract_usage u LEFT JOIN clearing_contracts t ON t.contract_id = u.contract_id
        WHERE u.cycle_id = $1 AND u.used > 0
        """;

    public async Task<CycleInputData> InputsAsync(string cycleId, DateTimeOffset? previousCut, DateTimeOffset cut,
        IReadOnlyDictionary<string, string> categoryByProduct, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        // One snapshot for all three reads.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        // A cycle's usage was written since the statistics were last gathered, so the planner takes a million rows for
        // a few hundred and looks each contract's terms up one by one, then sorts on disk: told so, it joins the two in
        // bulk and sorts in memory; and compiling the plan (JIT) costs more than it saves here (measured: docs/BENCHMARKS.md).
        await ExecuteAsync(connection, transaction, "SET LOCAL enable_nestloop = off; SET LOCAL work_mem = '256MB'; SET LOCAL jit = off", cancellationToken, null);
        // The cycle's usage and the contracts ending in it without usage; units settled before are summed only for contracts ending in the cycle, whose unused escrow goes back.
        var used = await ContractsAsync(connection, transaction, cycleId, CycleUsageQuery, previousCut, cut, categoryByProduct, cancellationToken);
        var ending = await ContractsAsync(connection, transaction, cycleId, $"""
            SELECT t.contract_id, {Terms}, 0::bigint, {SettledBefore}
            FROM clearing_contracts t
            WHERE t.valid_to <= $3 AND ($2::timestamptz IS NULL OR t.valid_to > $2)
              AND NOT EXISTS (SELECT 1 FROM contract_usage u WHERE u.contract_id = t.contract_id AND u.cycle_id = $1 AND u.used > 0)
            """, previousCut, cut, categoryByProduct, cancellationToken);
        // In no particular order: sorting a million ids here is cheaper than the database's sort, which holds back every
        // row until it is done; the compute puts them in contract-id order.
        var contracts = ending.Count == 0 ? used : [.. used, .. ending];

        var vouchers = new List<ClearingVoucher>();
        // What is left of each voucher, and no more than its issuer's backing covers, earliest expiry first: a voucher
        // issued before vouchers were backed has none behind it, and settling it would take the issuer's backing below zero.
        await using (var command = new NpgsqlCommand("""
            WITH open_vouchers AS (
                SELECT a.id AS holder, v->>'id' AS id, v->>'issuer' AS issuer, (v->>'amountMicros')::bigint - coalesce(u.used, 0) AS remaining,
                       (v->'categories')::text AS categories, (v->>'expires')::timestamptz AS expires
                FROM accounts a
                CROSS JOIN LATERAL jsonb_array_elements(coalesce(a.state->'vouchers', '[]'::jsonb)) v
                LEFT JOIN (SELECT voucher_id, sum(micros)::bigint AS used FROM voucher_uses w
                           JOIN clearing_cycles k ON k.id = w.cycle_id AND k.status = 'settled' GROUP BY voucher_id) u ON u.voucher_id = v->>'id'
                WHERE (v->>'amountMicros')::bigint > coalesce(u.used, 0)
            ), backed AS (
                SELECT o.*, sum(o.remaining) OVER (PARTITION BY o.issuer ORDER BY o.expires, o.id COLLATE "C") AS through FROM open_vouchers o
            )
            SELECT b.holder, b.id, b.issuer, least(b.remaining, greatest(0, coalesce(i.backing_micros, 0) - (b.through - b.remaining))), b.categories, b.expires
            FROM backed b LEFT JOIN accounts i ON i.id = b.issuer
            """, connection, transaction))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (reader.GetInt64(3) == 0)
                {
                    continue;
                }
                vouchers.Add(new ClearingVoucher(reader.GetString(1), reader.GetString(0), reader.GetString(2), reader.GetInt64(3),
                    JsonSerializer.Deserialize<HashSet<string>>(reader.GetString(4), Json)!, reader.GetFieldValue<DateTimeOffset>(5)));
            }
        }

        var adjustments = (await AdjustmentsAsync(connection, transaction, "posted_cycle = $1", cancellationToken, cycleId))
            .Select(a => new ClearingAdjustment(a.Id, a.AgainstCycle, a.From, a.To, a.AmountMicros, a.Reason, a.Contract)).ToList();
        await transaction.CommitAsync(cancellationToken);
        return new CycleInputData(contracts, vouchers, adjustments);
    }

    private static async Task<List<ClearingContract>> ContractsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string cycleId, string sql,
        DateTimeOffset? previousCut, DateTimeOffset cut, IReadOnlyDictionary<string, string> categoryByProduct, CancellationToken cancellationToken)
    {
        var contracts = new List<ClearingContract>();
        // Parties and products repeat across a million rows: one string each, not one per row.
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        string Name(string value) => names.TryGetValue(value, out var known) ? known : names[value] = value;
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = cycleId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)previousCut ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = cut });
        // Read synchronously on a thread of its own: an await per row would cost more than the row.
        await Task.Run(() =>
        {
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                if (reader.IsDBNull(1))
                {
                    // Usage is never dropped for want of terms: the cycle fails instead, and computing again retries.
                    throw new InvalidOperationException($"contract {reader.GetString(0)} has usage in cycle {cycleId} but clearing holds no terms for it");
                }
                var validTo = reader.GetFieldValue<DateTimeOffset>(6);
                if (validTo <= previousCut && reader.GetInt64(8) > 0)
                {
                    // Its escrow went back when the cycle it ended in settled: charging it now would take another contract's.
                    throw new InvalidOperationException($"contract {reader.GetString(0)} ended in an earlier cycle but has usage in cycle {cycleId}");
                }
                var product = Name(reader.GetString(1));
                var (price, quota) = (reader.GetInt64(4), reader.GetInt64(5));
                long? escrowLeft = reader.IsDBNull(9) ? null : checked((quota - reader.GetInt64(9)) * price);
                contracts.Add(new ClearingContract(reader.GetString(0), Name(reader.GetString(2)), Name(reader.GetString(3)), product,
                    categoryByProduct.TryGetValue(product, out var category) ? category
                    : throw new InvalidOperationException($"contract {reader.GetString(0)}: product {product} has no record"),
                    price, escrowLeft, reader.GetInt64(8), validTo, reader.GetInt32(7)));
            }
        }, cancellationToken);
        return contracts;
    }

    public async Task StageAsync(string cycleId, StagedCycle staged, CancellationToken cancellationToken)
    {
        var partition = PartitionOf(cycleId);
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, "SELECT status FROM clearing_cycles WHERE id = $1 FOR UPDATE", cancellationToken, reader =>
        {
            var status = reader.Read() ? reader.GetString(0) : "unknown";
            if (status is not ("cut_off" or "computed" or "failed"))
            {
                throw new CycleStateException($"cycle {cycleId} is {status}; it cannot be computed");
            }
        }, cycleId);
        await ExecuteAsync(connection, transaction, $"""
            CREATE TABLE IF NOT EXISTS {partition} PARTITION OF settlement_lines FOR VALUES IN ('{cycleId}');
            TRUNCATE {partition};
            DELETE FROM cycle_postings WHERE cycle_id = '{cycleId}';
            DELETE FROM cycle_accounts WHERE cycle_id = '{cycleId}';
            DELETE FROM voucher_uses WHERE cycle_id = '{cycleId}';
            """, cancellationToken, null);

        await Task.Run(() => CopyLines(connection, partition, cycleId, staged.Computation.Contracts), cancellationToken);

        var postings = staged.Plan.Postings;
        await ExecuteAsync(connection, transaction, """
            INSERT INTO cycle_postings (cycle_id, transfer_id, account_id, debit_account, credit_account, amount_micros, kind)
            SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[])
            """, cancellationToken, null, cycleId,
            postings.Select(p => p.TransferId).ToArray(), postings.Select(SettlementPlan.PartyOf).ToArray(), postings.Select(p => p.DebitAccount).ToArray(),
            postings.Select(p => p.CreditAccount).ToArray(), postings.Select(p => p.AmountMicros).ToArray(), postings.Select(p => p.Kind).ToArray());

        var deltas = staged.Plan.Deltas;
        await ExecuteAsync(connection, transaction, """
            INSERT INTO cycle_accounts (cycle_id, account_id, delta_available, delta_escrow, delta_backing)
            SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::bigint[])
            """, cancellationToken, null, cycleId,
            deltas.Select(d => d.AccountId).ToArray(), deltas.Select(d => d.AvailableMicros).ToArray(), deltas.Select(d => d.EscrowMicros).ToArray(),
            deltas.Select(d => d.BackingMicros).ToArray());

        var vouchers = staged.Vouchers.ToDictionary(v => v.Id, StringComparer.Ordinal);
        var uses = staged.Computation.VoucherUse.Select(u => (Id: u.Key, Kind: "redeemed", Micros: u.Value))
            .Concat(staged.Computation.VoucherExpired.Select(u => (Id: u.Key, Kind: "expired", Micros: u.Value))).ToList();
        await ExecuteAsync(connection, transaction, """
            INSERT INTO voucher_uses (cycle_id, voucher_id, holder, issuer, kind, micros)
            SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])
            """, cancellationToken, null, cycleId,
            uses.Select(u => u.Id).ToArray(), uses.Select(u => vouchers[u.Id].Holder).ToArray(), uses.Select(u => vouchers[u.Id].Issuer).ToArray(),
            uses.Select(u => u.Kind).ToArray(), uses.Select(u => u.Micros).ToArray());

        await ExecuteAsync(connection, transaction,
            "UPDATE clearing_cycles SET status = 'computed', report = $2, steps = $3, failure = NULL, updated_at = now() WHERE id = $1", cancellationToken, null,
            cycleId, FlushContext.Jsonb(JsonSerializer.Serialize(staged.Report, Json)), FlushContext.Jsonb(JsonSerializer.Serialize(staged.Steps, Json)));
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<Posting>> StagedPostingsAsync(string cycleId, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            "SELECT transfer_id, debit_account, credit_account, amount_micros, kind FROM cycle_postings WHERE cycle_id = $1 ORDER BY transfer_id COLLATE \"C\"");
        command.Parameters.Add(new NpgsqlParameter { Value = cycleId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var postings = new List<Posting>();
        while (await reader.ReadAsync(cancellationToken))
        {
            postings.Add(new Posting(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4), cycleId));
        }
        return postings;
    }

    public async Task<IReadOnlyList<(string VoucherId, string Holder, long Micros)>> StagedVoucherUseAsync(string cycleId, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("SELECT voucher_id, holder, micros FROM voucher_uses WHERE cycle_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = cycleId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var uses = new List<(string, string, long)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            uses.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
        }
        return uses;
    }

    public async Task<IReadOnlyDictionary<string, long>> SettleAsync(string cycleId, IReadOnlyList<WriterFence> fences, IReadOnlyList<AccountDelta> deltas,
        IReadOnlyList<CycleStep> steps, CancellationToken cancellationToken)
    {
        var flush = new FlushContext(0);
        flush.Add("CALL fence_writers($1, $2, $3)", null, fences.Select(f => f.Writer).ToArray(), fences.Select(f => f.Epoch).ToArray(), 0L);
        flush.Add("CALL clearing_require_status($1, 'computed')", null, cycleId);
        // First, the accounts table against the commit log's upserts (which wait the few ms this takes): the two never
        // deadlock over rows locked in different orders, and the balances read as opening are those the deltas meet.
        flush.Add("LOCK TABLE accounts IN SHARE ROW EXCLUSIVE MODE", null);
        flush.Add("""
            UPDATE cycle_accounts c SET opening_available = coalesce(a.available_micros, 0), opening_held = coalesce(a.held_micros, 0),
                opening_escrow = coalesce(a.escrow_micros, 0), opening_backing = coalesce(a.backing_micros, 0)
            FROM cycle_accounts k LEFT JOIN accounts a ON a.id = k.account_id
            WHERE c.cycle_id = $1 AND k.cycle_id = c.cycle_id AND k.account_id = c.account_id
            """, null, cycleId);
        flush.Add("""
            INSERT INTO postings (transfer_id, account_id, debit_account, credit_account, amount_micros, kind, reference, cycle_id)
            SELECT transfer_id, account_id, debit_account, credit_account, amount_micros, kind, cycle_id, cycle_id FROM cycle_postings WHERE cycle_id = $1
            """, null, cycleId);
        flush.Add("UPDATE clearing_cycles SET status = 'settled', steps = $2, failure = NULL, updated_at = now() WHERE id = $1", null,
            cycleId, FlushContext.Jsonb(JsonSerializer.Serialize(steps, Json)));
        var moves = new SettlementMoves(deltas);
        flush.AddAccountDeltas(moves);

        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            // An explicit transaction (not the batch's implicit one): LOCK TABLE takes only a transaction block.
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await Task.Run(() => flush.Execute(connection), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (PostgresException error) when (error.SqlState == CycleStateError)
        {
            throw new CycleStateException(error.MessageText);
        }
        catch (PostgresException error) when (error.SqlState == PostgresCommitStore.StaleWriterState)
        {
            throw new StaleWriterException(fences);
        }
        return moves.Versions;
    }

    public async Task<IReadOnlyDictionary<string, long>> SettledEscrowAsync(CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("""
            SELECT k.account_id, sum(k.delta_escrow)::bigint FROM cycle_accounts k
            JOIN clearing_cycles c ON c.id = k.cycle_id AND c.status = 'settled'
            GROUP BY k.account_id HAVING sum(k.delta_escrow) <> 0
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var settled = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            settled[reader.GetString(0)] = reader.GetInt64(1);
        }
        return settled;
    }

    public async Task SetLedgerSeqAsync(string cycleId, long seq, IReadOnlyList<CycleStep>? steps, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            "UPDATE clearing_cycles SET ledger_seq = $2, steps = coalesce($3, steps), updated_at = now() WHERE id = $1 AND status = 'settled'");
        command.Parameters.Add(new NpgsqlParameter { Value = cycleId });
        command.Parameters.Add(new NpgsqlParameter { Value = seq });
        command.Parameters.Add(FlushContext.Jsonb(steps is null ? null : JsonSerializer.Serialize(steps, Json)));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<AdjustmentView> AddAdjustmentAsync(AdjustmentView adjustment, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, null, """
            INSERT INTO clearing_adjustments (id, against_cycle, posted_cycle, from_account, to_account, amount_micros, reason, contract_id, recorded_by, at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING
            """, cancellationToken, null, adjustment.Id, adjustment.AgainstCycle, adjustment.PostedIn, adjustment.From, adjustment.To, adjustment.AmountMicros,
            adjustment.Reason, adjustment.Contract, adjustment.RecordedBy, adjustment.At);
        return (await AdjustmentsAsync(connection, null, "id = $1", cancellationToken, adjustment.Id)).Single();
    }

    public async Task<IReadOnlyList<AdjustmentView>> AdjustmentsAsync(string cycleId, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        return await AdjustmentsAsync(connection, null, "against_cycle = $1 OR posted_cycle = $1", cancellationToken, cycleId);
    }

    public async Task<Statement?> StatementAsync(string accountId, string cycleId, string? after, int limit, CancellationToken cancellationToken)
    {
        if (await FindAsync(cycleId, cancellationToken) is not { Status: CycleStatus.Settled })
        {
            return null;
        }
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        StatementBalances? opening = null, closing = null;
        await ExecuteAsync(connection, transaction, """
            SELECT opening_available, opening_held, opening_escrow, opening_backing, delta_available, delta_escrow, delta_backing
            FROM cycle_accounts WHERE cycle_id = $1 AND account_id = $2
            """, cancellationToken, reader =>
            {
                if (reader.Read())
                {
                    opening = new StatementBalances(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
                    closing = new StatementBalances(opening.AvailableMicros + reader.GetInt64(4), opening.HeldMicros, opening.EscrowMicros + reader.GetInt64(5),
                        opening.BackingMicros + reader.GetInt64(6));
                }
            }, cycleId, accountId);

        var postings = new List<StatementPosting>();
        await ExecuteAsync(connection, transaction, """
            SELECT transfer_id, kind, debit_account, credit_account, amount_micros FROM postings
            WHERE cycle_id = $1 AND account_id = $2 ORDER BY transfer_id COLLATE "C"
            """, cancellationToken, reader =>
            {
                while (reader.Read())
                {
                    postings.Add(new StatementPosting(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4)));
                }
            }, cycleId, accountId);

        var lines = new List<SettlementLine>();
        await ExecuteAsync(connection, transaction, """
            SELECT l.contract_id, t.product, t.buyer, t.provider, l.units, t.price_micros, l.voucher_micros, l.fee_micros,
                   coalesce((SELECT array_agg(s.party ORDER BY s.party) FROM unnest(r.share_index, r.share_parties) s(i, party) WHERE s.i = l.n), '{}'),
                   coalesce((SELECT array_agg(s.micros ORDER BY s.party) FROM unnest(r.share_index, r.share_parties, r.share_micros) s(i, party, micros)
                             WHERE s.i = l.n), '{}'),
                   l.released_micros
            FROM settlement_lines r
            CROSS JOIN LATERAL unnest(r.contract_ids, r.units, r.voucher_micros, r.fee_micros, r.released_micros) WITH ORDINALITY
                AS l(contract_id, units, voucher_micros, fee_micros, released_micros, n)
            JOIN clearing_contracts t ON t.contract_id = l.contract_id
            WHERE r.cycle_id = $1 AND (r.buyer = $2 OR r.provider = $2 OR $2 = ANY (r.share_parties)) AND l.contract_id COLLATE "C" > $3
              AND (r.buyer = $2 OR r.provider = $2
                   OR EXISTS (SELECT 1 FROM unnest(r.share_index, r.share_parties) s(i, party) WHERE s.i = l.n AND s.party = $2))
            ORDER BY l.contract_id COLLATE "C" LIMIT $4
            """, cancellationToken, reader =>
            {
                while (reader.Read())
                {
                    var (units, price, voucher, fee) = (reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7));
                    var shares = reader.GetFieldValue<string[]>(8).Zip(reader.GetFieldValue<long[]>(9)).ToList();
                    var gross = checked(units * price);
                    lines.Add(new SettlementLine(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), units, price, gross, voucher,
                        gross - voucher, fee, shares, gross - fee - shares.Sum(x => x.Second), reader.GetInt64(10)));
                }
            }, cycleId, accountId, after ?? "", limit + 1);
        var more = lines.Count > limit;
        if (more)
        {
            lines.RemoveAt(lines.Count - 1);
        }
        var adjustments = await AdjustmentsAsync(connection, transaction, "(against_cycle = $1 OR posted_cycle = $1) AND (from_account = $2 OR to_account = $2)",
            cancellationToken, cycleId, accountId);
        await transaction.CommitAsync(cancellationToken);
        return new Statement(accountId, cycleId, opening, closing, postings, lines, more ? lines[^1].ContractId : null, adjustments);
    }

    /// <summary>The lines packed per buyer and provider (migration 0010), by binary COPY: a few thousand rows for a million contracts.</summary>
    private static void CopyLines(NpgsqlConnection connection, string partition, string cycleId, IReadOnlyList<ContractSettlement> lines)
    {
        var rows = new Dictionary<(string Buyer, string Provider), List<ContractSettlement>>();
        foreach (var line in lines)
        {
            var pair = (line.Buyer, line.Provider);
            if (!rows.TryGetValue(pair, out var row))
            {
                rows[pair] = row = [];
            }
            row.Add(line);
        }
        using var copy = connection.BeginBinaryImport($"""
            COPY {partition} (cycle_id, buyer, provider, contract_ids, units, voucher_micros, fee_micros, released_micros, share_index, share_parties,
                share_micros) FROM STDIN (FORMAT BINARY)
            """);
        foreach (var ((buyer, provider), row) in rows)
        {
            var shares = row.SelectMany((line, index) => line.Shares.Select(s => (Index: index + 1, s.Intermediary, s.Micros))).ToList();
            copy.StartRow();
            copy.Write(cycleId, NpgsqlDbType.Text);
            copy.Write(buyer, NpgsqlDbType.Text);
            copy.Write(provider, NpgsqlDbType.Text);
            copy.Write(row.Select(l => l.ContractId).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
            copy.Write(row.Select(l => l.UsedUnits).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Bigint);
            copy.Write(row.Select(l => l.VoucherMicros).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Bigint);
            copy.Write(row.Select(l => l.FeeMicros).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Bigint);
            copy.Write(row.Select(l => l.EscrowReleasedMicros).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Bigint);
            copy.Write(shares.Select(s => s.Index).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Integer);
            copy.Write(shares.Select(s => s.Intermediary).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
            copy.Write(shares.Select(s => s.Micros).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Bigint);
        }
        copy.Complete();
    }

    /// <summary>A cycle's own partition of the settlement lines; cycle ids are <c>c</c> and digits.</summary>
    private static string PartitionOf(string cycleId) =>
        cycleId.Length > 1 && cycleId[0] == 'c' && cycleId[1..].All(char.IsAsciiDigit)
            ? "settlement_lines_" + cycleId
            : throw new ArgumentException($"{cycleId} is not a cycle id", nameof(cycleId));

    private Task<IReadOnlyList<CycleView>> CyclesAsync(string sql, CancellationToken cancellationToken, params object[] parameters) =>
        database.DataSource.RowsAsync(sql, static reader =>
            new CycleView(reader.GetString(0), reader.GetInt64(1), CycleStatuses.Parse(reader.GetString(2)), reader.GetFieldValue<DateTimeOffset>(3),
                reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
                reader.IsDBNull(5) ? null : JsonSerializer.Deserialize<CycleReport>(reader.GetString(5), Json),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                JsonSerializer.Deserialize<List<CycleStep>>(reader.GetString(6), Json)!,
                reader.IsDBNull(8) ? null : reader.GetInt64(8),
                reader.IsDBNull(9) ? null : JsonSerializer.Deserialize<UsageArchive>(reader.GetString(9), Json)), cancellationToken, parameters);

    private static async Task<IReadOnlyList<AdjustmentView>> AdjustmentsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string where,
        CancellationToken cancellationToken, params object[] parameters)
    {
        var adjustments = new List<AdjustmentView>();
        await ExecuteAsync(connection, transaction, $"""
            SELECT id, against_cycle, posted_cycle, from_account, to_account, amount_micros, reason, contract_id, recorded_by, at
            FROM clearing_adjustments WHERE {where} ORDER BY id
            """, cancellationToken, reader =>
            {
                while (reader.Read())
                {
                    adjustments.Add(new AdjustmentView(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                        reader.GetInt64(5), reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.GetString(8),
                        reader.GetFieldValue<DateTimeOffset>(9)));
                }
            }, parameters);
        return adjustments;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken,
        Action<NpgsqlDataReader>? read, params object?[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in parameters)
        {
            command.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value ?? DBNull.Value });
        }
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        read?.Invoke(reader);
    }

    /// <summary>A settlement's deltas for the flush's account upsert, which reports each account's new row version here.</summary>
    private sealed class SettlementMoves(IReadOnlyList<AccountDelta> deltas) : IMovesMoney
    {
        public Dictionary<string, long> Versions { get; } = new(StringComparer.Ordinal);

        public IReadOnlyList<AccountDelta> AccountDeltas => deltas;

        public bool MayCreateAccounts => true;

        public void AccountCommitted(string accountId, long version) => Versions[accountId] = version;
    }
}
