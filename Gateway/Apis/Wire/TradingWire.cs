using ClearingCluster.Interfaces.Contracts;
using ClearingCluster.Interfaces.Trading;

namespace ClearingCluster.Gateway.Apis.Wire;

/// <summary>API.md's order. <c>type</c> defaults to limit, <c>timeInForce</c> to gtc, a buy's <c>validityDays</c> to 30.</summary>
public sealed record OrderRequest(
    string? ClientOrderId, string? Participant, string? Product, string? Side, string? Type, string? TimeInForce,
    long Price, long Quantity, string? Scenario, int? ValidityDays, long MaxCost);

public sealed record ReduceRequest(long Remaining);

public sealed record FillResponse(string Contract, long Price, long Quantity, string Counterparty);

public sealed record OrderResponse(
    string OrderId, string ClientOrderId, string Participant, string Product, string Side, string Type, string TimeInForce,
    long Price, long Quantity, long MaxCost, string? Scenario, int ValidityDays, string Status, long Filled, long Remaining,
    string? Reason, IReadOnlyList<string> Contracts, IReadOnlyList<FillResponse> Fills, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static OrderResponse From(OrderView o) => new(
        o.OrderId, o.ClientOrderId, o.Participant, o.Product, o.Side, o.Type, o.TimeInForce, o.PriceMicros, o.Quantity, o.MaxCostMicros,
        o.Scenario, o.ValidityDays, o.Status, o.Filled, o.Remaining, o.Reason, [.. o.Fills.Select(f => f.ContractId)],
        [.. o.Fills.Select(f => new FillResponse(f.ContractId, f.PriceMicros, f.Quantity, f.Counterparty))], o.CreatedAt, o.UpdatedAt);
}

public sealed record BookLevelResponse(long Price, long Quantity);

public sealed record BookResponse(string Product, IReadOnlyList<BookLevelResponse> Bids, IReadOnlyList<BookLevelResponse> Asks, long? LastTradePrice)
{
    public static BookResponse From(BookView b) => new(
        b.Product, [.. b.Bids.Select(l => new BookLevelResponse(l.PriceMicros, l.Quantity))],
        [.. b.Asks.Select(l => new BookLevelResponse(l.PriceMicros, l.Quantity))], b.LastTradePriceMicros);
}

public sealed record ContractResponse(
    string Id, string Buyer, string Provider, string Product, long Price, long Quota, long Used, string Scenario, string Delivery,
    DateTimeOffset ValidFrom, DateTimeOffset ValidTo, string Status, string? EvidenceCode, long ExchangeFeeBasisPoints,
    string BuyOrder, string SellOrder)
{
    public static ContractResponse From(ContractView c) => new(
        c.Id, c.Buyer, c.Provider, c.Product, c.PriceMicros, c.Quota, c.Used, c.Scenario, c.Delivery, c.ValidFrom, c.ValidTo, c.Status,
        c.EvidenceCode, c.ExchangeFeeBasisPoints, c.BuyOrderId, c.SellOrderId);
}
