namespace ClearingCluster.Grains.Trading.Matching;

/// <summary>One trade: the resting (maker) order's price, between a maker and the incoming (taker) order.</summary>
public readonly record struct Fill(BookOrder Maker, BookOrder Taker, long PriceMicros, long Quantity);

public enum OrderOutcome : byte
{
    /// <summary>Refused before touching the book; see <see cref="RejectReason"/>.</summary>
    Rejected,

    /// <summary>Resting, nothing filled yet.</summary>
    Resting,

    /// <summary>Resting with part filled.</summary>
    PartiallyFilled,

    Filled,

    /// <summary>Done with a remainder not filled; see <see cref="CancelReason"/>.</summary>
    Cancelled,
}

public enum RejectReason : byte
{
    None,
    PriceRequired,
    PriceOutOfRange,
    PriceOutsideBand,
    QuantityOutOfRange,
    ValueTooLarge,
    MaxCostRequired,
    MarketOrderMustBeImmediate,
    DuplicateOrderId,
    BookFull,
}

public enum CancelReason : byte
{
    None,

    /// <summary>IOC, market: the part that could not fill now.</summary>
    NotImmediatelyFillable,

    /// <summary>FOK: it could not fill whole, so nothing filled.</summary>
    FillOrKill,

    /// <summary>It reached an order of its own participant: the newer (incoming) order's remainder is cancelled.</summary>
    SelfTrade,

    /// <summary>A market buy reached its maximum cost.</summary>
    MaxCostReached,

    /// <summary>Cancelled on request.</summary>
    Requested,
}

public readonly record struct SubmitResult(OrderOutcome Outcome, RejectReason RejectReason, CancelReason CancelReason, long FilledQuantity);
