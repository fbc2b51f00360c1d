namespace ClearingCluster.Interfaces.Trading;

/// <summary>An order as a member sends it. Prices and costs in µ¥ per unit; quantities in units (calls, records).</summary>
public sealed record PlaceOrder(
    string ClientOrderId,
    string Participant,
    string Product,
    string Side,
    string Type,
    string TimeInForce,
    long PriceMicros,
    long Quantity,
    long MaxCostMicros,
    string? Scenario,
    int ValidityDays);

public static class OrderStatus
{
    public const string Resting = "resting";
    public const string PartiallyFilled = "partially_filled";
    public const string Filled = "filled";
    public const string Cancelled = "cancelled";
    public const string Rejected = "rejected";

    public static bool IsOpen(string status) => status is Resting or PartiallyFilled;
}

public sealed record OrderFill(string ContractId, long PriceMicros, long Quantity, string Counterparty);

/// <summary>
/// An order and what happened to it: <c>filled + remaining + cancelled = quantity</c> at every moment, where
/// <see cref="Cancelled"/> is what will never fill (an IOC's remainder, a cancel, a reduce). <see cref="Reason"/> says
/// why an order ended without filling whole. <see cref="EnteredBy"/> is the participant or the gateway that placed it.
/// </summary>
public sealed record OrderView(
    string OrderId,
    string ClientOrderId,
    string Participant,
    string Product,
    string Side,
    string Type,
    string TimeInForce,
    long PriceMicros,
    long Quantity,
    long MaxCostMicros,
    string? Scenario,
    int ValidityDays,
    string Status,
    long Filled,
    long Remaining,
    long Cancelled,
    string? Reason,
    string EnteredBy,
    IReadOnlyList<OrderFill> Fills,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

public sealed record BookLevel(long PriceMicros, long Quantity);

public sealed record BookView(string Product, IReadOnlyList<BookLevel> Bids, IReadOnlyList<BookLevel> Asks, long? LastTradePriceMicros);
