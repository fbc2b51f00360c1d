namespace ClearingCluster.Grains.Trading.Matching;

/// <summary>
/// A price-time priority order book for one product, with no I/O. Trades happen at the resting order's price;
/// an order never trades with its own participant (the incoming order's remainder is cancelled instead); limit
/// orders GTC/IOC/FOK, market orders IOC/FOK (a market buy bounded by its maximum cost). The hot path allocates
/// nothing but the caller's order: fills go into a list the caller owns and reuses.
/// </summary>
public sealed class MatchingEngine(EngineLimits limits)
{
    private readonly BookSide bids = new(Side.Buy, limits.PriceLevelsMax);
    private readonly BookSide asks = new(Side.Sell, limits.PriceLevelsMax);
    private readonly Dictionary<long, BookOrder> resting = [];
    private long sequence;

    public EngineLimits Limits { get; } = limits;

    public long LastTradePriceMicros { get; private set; }

    public int RestingCount => resting.Count;

    public long? BestBidMicros => bids.Best?.PriceMicros;

    public long? BestAskMicros => asks.Best?.PriceMicros;

    public long Sequence => sequence;

    public SubmitResult Submit(BookOrder order, List<Fill> fills)
    {
        var reject = Validate(order);
        if (reject != RejectReason.None)
        {
            return new SubmitResult(OrderOutcome.Rejected, reject, CancelReason.None, 0);
        }
        order.Sequence = ++sequence;

        if (order.TimeInForce == TimeInForce.Fok && !CanFillWhole(order))
        {
            return new SubmitResult(OrderOutcome.Cancelled, RejectReason.None, CancelReason.FillOrKill, 0);
        }

        var cancel = Match(order, fills);
        var filled = order.Quantity - order.Remaining;
        if (order.Remaining == 0)
        {
            return new SubmitResult(OrderOutcome.Filled, RejectReason.None, CancelReason.None, filled);
        }
        if (cancel != CancelReason.None || order.TimeInForce != TimeInForce.Gtc || order.Type == OrderType.Market)
        {
            return new SubmitResult(OrderOutcome.Cancelled, RejectReason.None, cancel == CancelReason.None ? CancelReason.NotImmediatelyFillable : cancel, filled);
        }

        var level = (order.Side == Side.Buy ? bids : asks).GetOrAdd(order.PriceMicros);
        if (level is null || resting.Count >= Limits.RestingOrdersMax)
        {
            // The book is at its bound: what filled stands, the rest is not kept.
            return filled == 0
                ? new SubmitResult(OrderOutcome.Rejected, RejectReason.BookFull, CancelReason.None, 0)
                : new SubmitResult(OrderOutcome.Cancelled, RejectReason.BookFull, CancelReason.NotImmediatelyFillable, filled);
        }
        level.Append(order);
        resting.Add(order.OrderId, order);
        return new SubmitResult(filled == 0 ? OrderOutcome.Resting : OrderOutcome.PartiallyFilled, RejectReason.None, CancelReason.None, filled);
    }

    /// <summary>Takes a resting order off the book; null when it is not resting (filled, cancelled, unknown).</summary>
    public BookOrder? Cancel(long orderId)
    {
        if (!resting.Remove(orderId, out var order))
        {
            return null;
        }
        Unlink(order);
        return order;
    }

    /// <summary>
    /// Lowers a resting order's remaining quantity, keeping its time priority; to zero cancels it. Null when the
    /// order is not resting or <paramref name="newRemaining"/> is not lower.
    /// </summary>
    public BookOrder? Reduce(long orderId, long newRemaining)
    {
        if (!resting.TryGetValue(orderId, out var order) || newRemaining < 0 || newRemaining >= order.Remaining)
        {
            return null;
        }
        if (newRemaining == 0)
        {
            order.Reduced += order.Remaining;
            Cancel(orderId);
            order.Remaining = 0;
            return order;
        }
        var level = order.Level!;
        level.TotalQuantity -= order.Remaining - newRemaining;
        order.Reduced += order.Remaining - newRemaining;
        order.Remaining = newRemaining;
        return order;
    }

    public BookOrder? Find(long orderId) => resting.GetValueOrDefault(orderId);

    /// <summary>The best <paramref name="depth"/> levels of a side as (price, total quantity), best first.</summary>
    public void Depth(Side side, int depth, List<(long PriceMicros, long Quantity)> into)
    {
        var book = side == Side.Buy ? bids : asks;
        for (var i = 0; i < depth && i < book.LevelCount; i++)
        {
            var level = book.LevelFromBest(i);
            into.Add((level.PriceMicros, level.TotalQuantity));
        }
    }

    /// <summary>Every resting order in priority order per side (best price first, oldest first), for snapshots and checks.</summary>
    public IEnumerable<BookOrder> RestingOrders(Side side)
    {
        var book = side == Side.Buy ? bids : asks;
        for (var i = 0; i < book.LevelCount; i++)
        {
            for (var order = book.LevelFromBest(i).Head; order is not null; order = order.Next)
            {
                yield return order;
            }
        }
    }

    /// <summary>Restores a resting order exactly as it was (its sequence kept), when rebuilding a book.</summary>
    public void Restore(BookOrder order, long orderSequence)
    {
        order.Sequence = orderSequence;
        sequence = Math.Max(sequence, orderSequence);
        var level = (order.Side == Side.Buy ? bids : asks).GetOrAdd(order.PriceMicros)
            ?? throw new InvalidOperationException("restoring more price levels than the limit allows");
        level.Append(order);
        resting.Add(order.OrderId, order);
    }

    public void RestoreLastTrade(long priceMicros) => LastTradePriceMicros = priceMicros;

    /// <summary>Replays a fill of a resting order recorded earlier: its remaining shrinks, and it leaves the book at zero.</summary>
    public void ApplyFill(long orderId, long quantity, long priceMicros)
    {
        var order = resting.GetValueOrDefault(orderId)
            ?? throw new InvalidOperationException($"replaying a fill of order {orderId}, which is not resting");
        if (quantity < 1 || quantity > order.Remaining)
        {
            throw new InvalidOperationException($"replaying a fill of {quantity} on order {orderId}, which has {order.Remaining} left");
        }
        order.Remaining -= quantity;
        order.Level!.TotalQuantity -= quantity;
        LastTradePriceMicros = priceMicros;
        if (order.Remaining == 0)
        {
            resting.Remove(orderId);
            Unlink(order);
        }
    }

    /// <summary>Makes the next order's time priority come after <paramref name="orderSequence"/>, when rebuilding a book.</summary>
    public void RestoreSequence(long orderSequence) => sequence = Math.Max(sequence, orderSequence);

    private RejectReason Validate(BookOrder order)
    {
        if (order.Quantity < 1 || order.Quantity > Limits.QuantityMax)
        {
            return RejectReason.QuantityOutOfRange;
        }
        if (resting.ContainsKey(order.OrderId))
        {
            return RejectReason.DuplicateOrderId;
        }
        if (order.Type == OrderType.Market)
        {
            if (order.TimeInForce == TimeInForce.Gtc)
            {
                return RejectReason.MarketOrderMustBeImmediate;
            }
            if (order.Side == Side.Buy && (order.MaxCostMicros < 1 || order.MaxCostMicros > Limits.ValueMaxMicros))
            {
                return RejectReason.MaxCostRequired;
            }
            return RejectReason.None;
        }
        if (order.PriceMicros == 0)
        {
            return RejectReason.PriceRequired;
        }
        if (order.PriceMicros < Limits.PriceMinMicros || order.PriceMicros > Limits.PriceMaxMicros)
        {
            return RejectReason.PriceOutOfRange;
        }
        if (LastTradePriceMicros > 0)
        {
            var band = LastTradePriceMicros / 100 * Limits.PriceBandPercent + LastTradePriceMicros % 100 * Limits.PriceBandPercent / 100;
            if (order.PriceMicros < LastTradePriceMicros - band || order.PriceMicros > LastTradePriceMicros + band)
            {
                return RejectReason.PriceOutsideBand;
            }
        }
        // Price and quantity are bounded above, so this product cannot overflow.
        return order.PriceMicros * order.Quantity > Limits.ValueMaxMicros ? RejectReason.ValueTooLarge : RejectReason.None;
    }

    private bool Crosses(BookOrder taker, long levelPriceMicros) =>
        taker.Type == OrderType.Market
        || (taker.Side == Side.Buy ? taker.PriceMicros >= levelPriceMicros : taker.PriceMicros <= levelPriceMicros);

    /// <summary>How many units a market buy can still afford at this price.</summary>
    private static long Affordable(BookOrder taker, long priceMicros) =>
        taker.Type == OrderType.Market && taker.Side == Side.Buy ? (taker.MaxCostMicros - taker.SpentMicros) / priceMicros : long.MaxValue;

    private CancelReason Match(BookOrder taker, List<Fill> fills)
    {
        var opposite = taker.Side == Side.Buy ? asks : bids;
        while (taker.Remaining > 0)
        {
            var level = opposite.Best;
            if (level is null || !Crosses(taker, level.PriceMicros))
            {
                return CancelReason.None;
            }
            var maker = level.Head;
            while (maker is not null && taker.Remaining > 0)
            {
                if (ReferenceEquals(maker.Participant, taker.Participant) || maker.Participant == taker.Participant)
                {
                    return CancelReason.SelfTrade;
                }
                var quantity = Math.Min(Math.Min(taker.Remaining, maker.Remaining), Affordable(taker, level.PriceMicros));
                if (quantity == 0)
                {
                    return CancelReason.MaxCostReached;
                }
                maker.Remaining -= quantity;
                taker.Remaining -= quantity;
                level.TotalQuantity -= quantity;
                taker.SpentMicros += quantity * level.PriceMicros;
                LastTradePriceMicros = level.PriceMicros;
                fills.Add(new Fill(maker, taker, level.PriceMicros, quantity));

                var next = maker.Next;
                if (maker.Remaining == 0)
                {
                    resting.Remove(maker.OrderId);
                    level.Remove(maker);
                }
                maker = next;
            }
            if (level.OrderCount == 0)
            {
                opposite.RemoveEmpty(level);
            }
        }
        return CancelReason.None;
    }

    /// <summary>FOK: whether the whole quantity is there now, at acceptable prices, before any order of its own.</summary>
    private bool CanFillWhole(BookOrder taker)
    {
        var opposite = taker.Side == Side.Buy ? asks : bids;
        long available = 0, cost = 0;
        for (var i = 0; i < opposite.LevelCount; i++)
        {
            var level = opposite.LevelFromBest(i);
            if (!Crosses(taker, level.PriceMicros))
            {
                return false;
            }
            for (var maker = level.Head; maker is not null; maker = maker.Next)
            {
                if (maker.Participant == taker.Participant)
                {
                    return false;
                }
                var take = Math.Min(maker.Remaining, taker.Quantity - available);
                cost += take * level.PriceMicros;
                available += take;
                if (taker.Type == OrderType.Market && taker.Side == Side.Buy && cost > taker.MaxCostMicros)
                {
                    return false;
                }
                if (available == taker.Quantity)
                {
                    return true;
                }
            }
        }
        return false;
    }

    private void Unlink(BookOrder order)
    {
        var level = order.Level!;
        level.Remove(order);
        if (level.OrderCount == 0)
        {
            (order.Side == Side.Buy ? bids : asks).RemoveEmpty(level);
        }
    }
}
