using ClearingCluster.Interfaces.Contracts;
using ClearingCluster.Interfaces.Trading;

namespace ClearingCluster.Gateway.Apis.Wire;

/// <summary>API.md's order. <c>type</c> defaults to limit, <c>timeInForce</c> to gtc, a buy's <c>validityDays</c> to 30.</summary>
public sealed record OrderRequest(
    string? ClientOrderId, string? Participant, string? Product, string? Side, string? Type, string? TimeInForce,
    long Price, long Quantity, string? Scenario, int? ValidityDays, long MaxCost);

public sealed record ReduceRequest(long Remaining);

public sealed record FillResponse(string Contract, long Price, long Quantity, string Counterparty);

/// <summary>An order: <c>filled + remaining + cancelled = quantity</c>; <c>enteredBy</c> is the participant or the gateway that placed it.</summary>
public sealed record OrderResponse(
    string OrderId, string ClientOrderId, string Participant, string Product, string Side, string Type, string TimeInForce,
    long Price, long Quantity, long MaxCost, string? Scenario, int ValidityDays, string Status, long Filled, long Remaining, long Cancelled,
    string? Reason, string EnteredBy, IReadOnlyList<string> Contracts, IReadOnlyList<FillResponse> Fills, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static OrderResponse From(OrderView o) => new(
        o.OrderId, o.ClientOrderId, o.Participant, o.Product, o.Side, o.Type, o.TimeInForce, o.PriceMicros, o.Quantity, o.MaxCostMicros,
        o.Scenario, o.ValidityDays, o.Status, o.Filled, o.Remaining, o.Cancelled, o.Reason, o.EnteredBy, [.. o.Fills.Select(f => f.ContractId)],
        [.. o.Fills.Select(f => new FillResponse(f.ContractId, f.PriceMicros, f.Quantity, f.Counterparty))], o.CreatedAt, o.UpdatedAt);
}

/// <summary>One order's outcome in a batch, at its index: <c>status</c> is what a single POST would have answered.</summary>
public sealed record BatchOrderResult(int Index, int Status, OrderResponse? Order, BatchOrderProblem? Problem);

public sealed record BatchOrderProblem(string Type, string Title, string Detail);

public sealed record BatchOrdersResponse(int Placed, int Refused, IReadOnlyList<BatchOrderResult> Results);

public sealed record BookLevelResponse(long Price, long Quantity);

public sealed record BookResponse(string Product, IReadOnlyList<BookLevelResponse> Bids, IReadOnlyList<BookLevelResponse> Asks, long? LastTradePrice)
{
    public static BookResponse From(BookView b) => new(
        b.Product, [.. b.Bids.Select(l => new BookLevelResponse(l.PriceMicros, l.Quantity))],
        [.. b.Asks.Select(l => new BookLevelResponse(l.PriceMicros, l.Quantity))], b.LastTradePriceMicros);
}

/// <summary>
/// A contract as every route shows it; <c>evidenceCode</c> is the hash of its canonical terms (a Merkle leaf), and
/// <c>evidenced</c> says whether its batch's entry is on the ledger yet (<c>/evidence</c> then proves it).
/// </summary>
public sealed record ContractResponse(
    string Id, string Buyer, string Provider, string Product, long Price, long Quota, long Used, long Escrow, string Scenario, string Delivery,
    DateTimeOffset ValidFrom, DateTimeOffset ValidTo, string Status, string EvidenceCode, bool Evidenced, long ExchangeFeeBasisPoints,
    string BuyOrder, string SellOrder)
{
    public static ContractResponse From(ContractView v)
    {
        var c = v.Terms;
        return new(c.Id, c.Buyer, c.Provider, c.Product, c.PriceMicros, c.Quota, v.Used, c.EscrowMicros, c.Scenario, c.Delivery, c.ValidFrom, c.ValidTo,
            v.Status, v.EvidenceCode, v.Evidenced, c.ExchangeFeeBasisPoints, c.BuyOrderId, c.SellOrderId);
    }
}

/// <summary>
/// How to check a contract on the ledger yourself: SHA-256(0x00 ‖ <c>canonicalTerms</c>) is <c>evidenceCode</c>; folding the
/// audit path into it (RFC 9162 §2.1.3.2) gives <c>root</c>, which is the entry's <c>payload.root</c>; the entry's hash chains
/// to the ledger's head (<c>GET /v1/ledger/verify</c>).
/// </summary>
public sealed record ContractEvidenceResponse(
    ContractResponse Contract, string CanonicalTerms, string EvidenceCode, long LeafIndex, long LeafCount, IReadOnlyList<string> AuditPath, string Root,
    LedgerEntryResponse Entry);
