namespace ClearingCluster.Wire;

/// <summary>An order. <c>type</c> defaults to limit, <c>timeInForce</c> to gtc, a buy's <c>validityDays</c> to 30; prices in µ¥ per unit.</summary>
public sealed record OrderRequest(
    string? ClientOrderId, string? Participant, string? Product, string? Side, string? Type = null, string? TimeInForce = null,
    long Price = 0, long Quantity = 0, string? Scenario = null, int? ValidityDays = null, long MaxCost = 0);

public sealed record ReduceRequest(long Remaining);

public sealed record FillResponse(string Contract, long Price, long Quantity, string Counterparty);

/// <summary>An order: <c>filled + remaining + cancelled = quantity</c>; <c>enteredBy</c> is the participant or the gateway that placed it.</summary>
public sealed record OrderResponse(
    string OrderId, string ClientOrderId, string Participant, string Product, string Side, string Type, string TimeInForce,
    long Price, long Quantity, long MaxCost, string? Scenario, int ValidityDays, string Status, long Filled, long Remaining, long Cancelled,
    string? Reason, string EnteredBy, IReadOnlyList<string> Contracts, IReadOnlyList<FillResponse> Fills, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>One order's outcome in a batch, at its index: <c>status</c> is what a single POST would have answered.</summary>
public sealed record BatchOrderResult(int Index, int Status, OrderResponse? Order, BatchOrderProblem? Problem);

public sealed record BatchOrderProblem(string Type, string Title, string Detail);

public sealed record BatchOrdersResponse(int Placed, int Refused, IReadOnlyList<BatchOrderResult> Results);

public sealed record BookLevelResponse(long Price, long Quantity);

public sealed record BookResponse(string Product, IReadOnlyList<BookLevelResponse> Bids, IReadOnlyList<BookLevelResponse> Asks, long? LastTradePrice);

/// <summary>
/// A contract as every route shows it; <c>evidenceCode</c> is the hash of its canonical terms (a Merkle leaf), and
/// <c>evidenced</c> says whether its batch's entry is on the ledger yet (<c>/evidence</c> then proves it).
/// </summary>
public sealed record ContractResponse(
    string Id, string Buyer, string Provider, string Product, long Price, long Quota, long Used, long Escrow, string Scenario, string Delivery,
    DateTimeOffset ValidFrom, DateTimeOffset ValidTo, string Status, string EvidenceCode, bool Evidenced, long ExchangeFeeBasisPoints,
    string BuyOrder, string SellOrder);

/// <summary>
/// How to check a contract on the ledger yourself: SHA-256(0x00 ‖ <c>canonicalTerms</c>) is <c>evidenceCode</c>; folding the
/// audit path into it (RFC 9162 §2.1.3.2) gives <c>root</c>, which is the entry's <c>payload.root</c>; the entry's hash chains
/// to the ledger's head (<c>GET /v1/ledger/verify</c>).
/// </summary>
public sealed record ContractEvidenceResponse(
    ContractResponse Contract, string CanonicalTerms, string EvidenceCode, long LeafIndex, long LeafCount, IReadOnlyList<string> AuditPath, string Root,
    LedgerEntryResponse Entry);
