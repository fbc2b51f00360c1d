namespace ClearingCluster.Grains.Clearing;

/// <summary>
/// A contract as a cycle settles it: what is left of its escrow at the cycle's start and the units used in the cycle
/// (never more than the escrow covers: metering refuses usage beyond the quota). The escrow left is needed only for a
/// contract ending in the cycle (its rest goes back); null for the others, which the store then need not sum. <see cref="FeeBasisPoints"/> is the
/// exchange's fee the contract was made with; without it, its category's fee in the cycle's input applies.
/// </summary>
public sealed record ClearingContract(
    string Id, string Buyer, string Provider, string Product, string Category, long PriceMicros, long? EscrowMicros, long UsedUnits, DateTimeOffset ValidTo,
    long? FeeBasisPoints = null);

/// <summary>
/// A correction recorded by staff against a settled cycle and posted in a later one: <see cref="AmountMicros"/> moves
/// from <see cref="From"/>'s available balance to <see cref="To"/>'s (a disputed call refunded: provider → buyer).
/// </summary>
public sealed record ClearingAdjustment(string Id, string AgainstCycle, string From, string To, long AmountMicros, string Reason, string? Contract);

/// <summary>A voucher as a cycle may draw on it: its holder (a buyer), the account backing it, what is left.</summary>
public sealed record ClearingVoucher(string Id, string Holder, string Issuer, long RemainingMicros, IReadOnlySet<string> Categories, DateTimeOffset Expires);

/// <summary>An intermediary's share of a product's gross, in basis points, carved from the provider's side.</summary>
public sealed record RevenueShare(string Intermediary, int BasisPoints);

/// <summary>
/// Everything a cycle's computation reads: the contracts with usage or reaching their end, the vouchers, the exchange's
/// fee per category (a default for the rest) and each product's revenue shares.
/// </summary>
public sealed record CycleInput(
    string CycleId,
    DateTimeOffset CycleEnd,
    IReadOnlyList<ClearingContract> Contracts,
    IReadOnlyList<ClearingVoucher> Vouchers,
    IReadOnlyDictionary<string, int> FeeBasisPointsByCategory,
    int FeeBasisPointsDefault,
    IReadOnlyDictionary<string, IReadOnlyList<RevenueShare>> SharesByProduct,
    IReadOnlyList<ClearingAdjustment>? Adjustments = null);
