using System.Data.Common;
using ClearingCluster.Grains.Trading;
using ClearingCluster.Interfaces.Contracts;
using ClearingCluster.Interfaces.Trading;
using ClearingCluster.Silo.Database;
using Npgsql;

namespace ClearingCluster.Silo.Storage;

/// <summary>Orders and contracts in PostgreSQL; a book change is one transaction.</summary>
public sealed class PostgresTradingStore(ClearingDatabase database) : ITradingStore
{
    private const string UniqueViolation = "23505";

    private const string OrderColumns = """
        order_id, client_order_id, participant, product, side, type, time_in_force, price_micros, quantity, max_cost_micros,
        scenario, validity_days, status, filled, remaining, reason, created_at, updated_at, number, sequence, hold_id, hold_open
        """;

    private const string ContractColumns = """
        contract_id, buyer, provider, product, price_micros, quota, used, scenario, delivery, valid_from, valid_to, status,
        evidence_code, fee_basis_points, buy_order, sell_order, buy_hold_id
        """;

    public async Task<BookSnapshot> LoadBookAsync(string product, CancellationToken cancellationToken)
    {
        var open = await OrdersAsync($"SELECT {OrderColumns} FROM orders WHERE product = $1 AND status IN ('resting', 'partially_filled') ORDER BY sequence", product, cancellationToken);
        var holds = await OrdersAsync($"SELECT {OrderColumns} FROM orders WHERE product = $1 AND hold_open AND status IN ('filled', 'cancelled')", product, cancellationToken);
        var pending = await ContractsAsync($"SELECT {ContractColumns} FROM contracts WHERE product = $1 AND status = 'pending' ORDER BY number", product, cancellationToken);

        await using var command = database.DataSource.CreateCommand("""
            SELECT (SELECT coalesce(max(number), 0) FROM orders WHERE product = $1),
                   (SELECT coalesce(max(number), 0) FROM contracts WHERE product = $1),
                   (SELECT price_micros FROM contracts WHERE product = $1 ORDER BY number DESC LIMIT 1)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = product });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new BookSnapshot(open, reader.GetInt64(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetInt64(2), pending, holds);
    }

    public async Task CommitAsync(BookChange change, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (change.NewOrder is { } created)
        {
            var v = created.View;
            await using var insert = new NpgsqlCommand($"""
                INSERT INTO orders ({OrderColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
                """, connection, transaction);
            foreach (var value in new object?[]
                     {
                         v.OrderId, v.ClientOrderId, v.Participant, v.Product, v.Side, v.Type, v.TimeInForce, v.PriceMicros, v.Quantity,
                         v.MaxCostMicros, v.Scenario, v.ValidityDays, v.Status, v.Filled, v.Remaining, v.Reason, v.CreatedAt, v.UpdatedAt,
                         created.Number, created.Sequence, created.HoldId, created.HoldOpen,
                     })
            {
                insert.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
            }
            try
            {
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (PostgresException error) when (error.SqlState == UniqueViolation && error.ConstraintName == "orders_participant_client_order_id_key")
            {
                throw new DuplicateClientOrderException(v.Participant, v.ClientOrderId);
            }
        }

        foreach (var updated in change.UpdatedOrders)
        {
            await using var update = new NpgsqlCommand(
                "UPDATE orders SET status = $2, filled = $3, remaining = $4, reason = $5, updated_at = $6 WHERE order_id = $1", connection, transaction);
            var v = updated.View;
            foreach (var value in new object?[] { v.OrderId, v.Status, v.Filled, v.Remaining, v.Reason, v.UpdatedAt })
            {
                update.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
            }
            if (await update.ExecuteNonQueryAsync(cancellationToken) != 1)
            {
                throw new InvalidOperationException($"order {v.OrderId} is not stored");
            }
        }

        foreach (var c in change.NewContracts)
        {
            await using var insert = new NpgsqlCommand($"""
                INSERT INTO contracts ({ContractColumns}, number) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
                """, connection, transaction);
            foreach (var value in new object?[]
                     {
                         c.Id, c.Buyer, c.Provider, c.Product, c.PriceMicros, c.Quota, c.Used, c.Scenario, c.Delivery, c.ValidFrom, c.ValidTo,
                         c.Status, c.EvidenceCode, c.ExchangeFeeBasisPoints, c.BuyOrderId, c.SellOrderId, c.BuyHoldId, long.Parse(c.Id[(c.Id.LastIndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture),
                     })
            {
                insert.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
            }
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<OrderRecord?> FindOrderAsync(string orderId, CancellationToken cancellationToken) =>
        (await OrdersAsync($"SELECT {OrderColumns} FROM orders WHERE order_id = $1", orderId, cancellationToken)).SingleOrDefault();

    public async Task<OrderRecord?> FindClientOrderAsync(string participant, string clientOrderId, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand($"SELECT {OrderColumns} FROM orders WHERE participant = $1 AND client_order_id = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = participant });
        command.Parameters.Add(new NpgsqlParameter { Value = clientOrderId });
        return (await ReadOrdersAsync(command, cancellationToken)).SingleOrDefault();
    }

    public async Task<IReadOnlyList<OrderFill>> FillsOfAsync(string orderId, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("""
            SELECT contract_id, price_micros, quota, CASE WHEN buy_order = $1 THEN provider ELSE buyer END
            FROM contracts WHERE buy_order = $1 OR sell_order = $1 ORDER BY number
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = orderId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var fills = new List<OrderFill>();
        while (await reader.ReadAsync(cancellationToken))
        {
            fills.Add(new OrderFill(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3)));
        }
        return fills;
    }

    public async Task MarkHoldReleasedAsync(string orderId, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("UPDATE orders SET hold_open = false WHERE order_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = orderId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<ContractView?> FindContractAsync(string contractId, CancellationToken cancellationToken) =>
        (await ContractsAsync($"SELECT {ContractColumns} FROM contracts WHERE contract_id = $1", contractId, cancellationToken)).SingleOrDefault();

    public async Task<IReadOnlyList<ContractView>> ContractsOfAsync(string participant, int limit, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            $"SELECT {ContractColumns} FROM contracts WHERE buyer = $1 OR provider = $1 ORDER BY valid_from DESC, contract_id LIMIT $2");
        command.Parameters.Add(new NpgsqlParameter { Value = participant });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        return await ReadContractsAsync(command, cancellationToken);
    }

    public async Task ActivateContractAsync(string contractId, string evidenceCode, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            "UPDATE contracts SET status = 'active', evidence_code = $2 WHERE contract_id = $1 AND status = 'pending'");
        command.Parameters.Add(new NpgsqlParameter { Value = contractId });
        command.Parameters.Add(new NpgsqlParameter { Value = evidenceCode });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<IReadOnlyList<OrderRecord>> OrdersAsync(string sql, string key, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        return await ReadOrdersAsync(command, cancellationToken);
    }

    private async Task<IReadOnlyList<ContractView>> ContractsAsync(string sql, string key, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        return await ReadContractsAsync(command, cancellationToken);
    }

    private static async Task<IReadOnlyList<OrderRecord>> ReadOrdersAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var r = await command.ExecuteReaderAsync(cancellationToken);
        var orders = new List<OrderRecord>();
        while (await r.ReadAsync(cancellationToken))
        {
            var view = new OrderView(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6),
                r.GetInt64(7), r.GetInt64(8), r.GetInt64(9), NullableString(r, 10), r.GetInt32(11), r.GetString(12), r.GetInt64(13), r.GetInt64(14),
                NullableString(r, 15), [], r.GetFieldValue<DateTimeOffset>(16), r.GetFieldValue<DateTimeOffset>(17));
            orders.Add(new OrderRecord(view, r.GetInt64(18), r.GetInt64(19), NullableString(r, 20), r.GetBoolean(21)));
        }
        return orders;
    }

    private static async Task<IReadOnlyList<ContractView>> ReadContractsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var r = await command.ExecuteReaderAsync(cancellationToken);
        var contracts = new List<ContractView>();
        while (await r.ReadAsync(cancellationToken))
        {
            contracts.Add(new ContractView(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4), r.GetInt64(5), r.GetInt64(6),
                r.GetString(7), r.GetString(8), r.GetFieldValue<DateTimeOffset>(9), r.GetFieldValue<DateTimeOffset>(10), r.GetString(11),
                NullableString(r, 12), r.GetInt64(13), r.GetString(14), r.GetString(15), r.GetString(16)));
        }
        return contracts;
    }

    private static string? NullableString(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
