namespace ClearingCluster.Grains.Trading.Journal;

/// <summary>
/// What happened in a book, as its journal records it. Each event carries the state it left behind (an order's
/// filled and remaining after it), so replaying a journal applies effects and never re-matches. Every event of one
/// chunk shares the chunk's time.
/// </summary>
public abstract record BookEvent(DateTimeOffset At);

/// <summary>
/// An order placed, with its state once its matching was done (the contracts it made follow it as
/// <see cref="ContractMade"/> events). A buy reserved <see cref="ReservedMicros"/> and gave back
/// <see cref="ReleasedMicros"/> when placed (price improvement, or all of what its fills did not take once it was done).
/// </summary>
public sealed record OrderPlaced(
    long Number,
    long Sequence,
    string Participant,
    string ClientOrderId,
    string EnteredBy,
    string Side,
    string Type,
    string TimeInForce,
    long PriceMicros,
    long Quantity,
    long MaxCostMicros,
    string? Scenario,
    int ValidityDays,
    long ReservedMicros,
    string Status,
    long Filled,
    long Remaining,
    string? Reason,
    long ReleasedMicros,
    DateTimeOffset At) : BookEvent(At)
{
    public long Cancelled => Quantity - Filled - Remaining;
}

/// <summary>
/// One fill and the contract it made, with its canonical terms (so a contract reads from this event alone) and the
/// resting (maker) order's state after it. The buy's <c>price × quantity</c> moved from its hold into escrow.
/// </summary>
public sealed record ContractMade(
    long ContractNumber,
    long BuyOrder,
    long SellOrder,
    long PriceMicros,
    long Quantity,
    string Buyer,
    string Provider,
    string Scenario,
    string Delivery,
    DateTimeOffset ValidTo,
    long FeeBasisPoints,
    long MakerOrder,
    long MakerFilled,
    long MakerRemaining,
    DateTimeOffset At) : BookEvent(At)
{
    public long ValueMicros => checked(PriceMicros * Quantity);

    public long TakerOrder => MakerOrder == BuyOrder ? SellOrder : BuyOrder;
}

/// <summary>An open order cancelled by <see cref="By"/>: what was still open is cancelled; a buy's hold for it is released.</summary>
public sealed record OrderCancelled(long Number, long Filled, long CancelledQuantity, long ReleasedMicros, string Reason, string By, DateTimeOffset At)
    : BookEvent(At);

/// <summary>An open order's remaining lowered to <see cref="Remaining"/> by <see cref="By"/>; a buy's hold shrinks by <see cref="ReleasedMicros"/>.</summary>
public sealed record OrderReduced(long Number, long Remaining, long ReleasedMicros, string By, DateTimeOffset At) : BookEvent(At);
