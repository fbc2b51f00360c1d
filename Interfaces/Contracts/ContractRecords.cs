namespace ClearingCluster.Interfaces.Contracts;

public static class ContractStatus
{
    /// <summary>Recorded with its fill; evidence and escrow are being completed.</summary>
    public const string Pending = "pending";

    public const string Active = "active";

    public const string Expired = "expired";
}

/// <summary>
/// A digital trading contract made by one fill. <see cref="EvidenceCode"/> is the hash of its entry on the
/// evidence ledger. <see cref="EscrowMicros"/> = price × quota moved from the buyer's hold into escrow.
/// </summary>
public sealed record ContractView(
    string Id,
    string Buyer,
    string Provider,
    string Product,
    long PriceMicros,
    long Quota,
    long Used,
    string Scenario,
    string Delivery,
    DateTimeOffset ValidFrom,
    DateTimeOffset ValidTo,
    string Status,
    string? EvidenceCode,
    long ExchangeFeeBasisPoints,
    string BuyOrderId,
    string SellOrderId,
    string BuyHoldId);
