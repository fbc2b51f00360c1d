using ClearingCluster.Grains.Trading.Matching;

namespace ClearingCluster.Grains.Tests.Trading;

public sealed class MatchingEngineTests
{
    private readonly MatchingEngine engine = new(new EngineLimits { PriceLevelsMax = 100, RestingOrdersMax = 1000 });
    private readonly List<Fill> fills = [];
    private long nextId;

    private SubmitResult Limit(string who, Side side, long price, long quantity, TimeInForce tif = TimeInForce.Gtc) =>
        Submit(new BookOrder(++nextId, who, side, OrderType.Limit, tif, price, quantity));

    private SubmitResult Market(string who, Side side, long quantity, long maxCost = 0, TimeInForce tif = TimeInForce.Ioc) =>
        Submit(new BookOrder(++nextId, who, side, OrderType.Market, tif, 0, quantity, maxCost));

    private SubmitResult Submit(BookOrder order)
    {
        fills.Clear();
        return engine.Submit(order, fills);
    }

    private string Fills() => string.Join(" ", fills.Select(f => $"{f.Maker.OrderId}x{f.Taker.OrderId}:{f.Quantity}@{f.PriceMicros}"));

    [Fact]
    public void A_limit_order_that_does_not_cross_rests()
    {
        Assert.Equal(OrderOutcome.Resting, Limit("a", Side.Buy, 100, 10).Outcome);
        Assert.Equal(OrderOutcome.Resting, Limit("b", Side.Sell, 101, 10).Outcome);

        Assert.Equal((100L, 101L), (engine.BestBidMicros!.Value, engine.BestAskMicros!.Value));
        Assert.Empty(fills);
    }

    [Fact]
    public void A_crossing_order_trades_at_the_resting_price_across_levels_in_price_then_time_order()
    {
        Limit("s1", Side.Sell, 102, 5); // 1
        Limit("s2", Side.Sell, 101, 5); // 2
        Limit("s3", Side.Sell, 101, 5); // 3
        Limit("s4", Side.Sell, 103, 5); // 4

        var result = Limit("b", Side.Buy, 102, 12);

        Assert.Equal(OrderOutcome.Filled, result.Outcome);
        Assert.Equal("2x5:5@101 3x5:5@101 1x5:2@102", Fills());
        Assert.Equal(102, engine.BestAskMicros);
        Assert.Equal(3, engine.Find(1)!.Remaining);
    }

    [Fact]
    public void A_partial_fill_rests_the_remainder_at_its_limit()
    {
        Limit("s", Side.Sell, 100, 4);

        var result = Limit("b", Side.Buy, 100, 10);

        Assert.Equal(new SubmitResult(OrderOutcome.PartiallyFilled, RejectReason.None, CancelReason.None, 4), result);
        Assert.Equal(100, engine.BestBidMicros);
        Assert.Null(engine.BestAskMicros);
        Assert.Equal(6, engine.Find(2)!.Remaining);
    }

    [Fact]
    public void IOC_fills_what_it_can_and_cancels_the_rest()
    {
        Limit("s", Side.Sell, 100, 3);

        var result = Limit("b", Side.Buy, 100, 10, TimeInForce.Ioc);

        Assert.Equal(new SubmitResult(OrderOutcome.Cancelled, RejectReason.None, CancelReason.NotImmediatelyFillable, 3), result);
        Assert.Equal(0, engine.RestingCount);
    }

    [Fact]
    public void FOK_that_cannot_fill_whole_fills_nothing_and_leaves_the_book_as_it_was()
    {
        Limit("s1", Side.Sell, 100, 3);
        Limit("s2", Side.Sell, 101, 3);

        var result = Limit("b", Side.Buy, 101, 7, TimeInForce.Fok);

        Assert.Equal(new SubmitResult(OrderOutcome.Cancelled, RejectReason.None, CancelReason.FillOrKill, 0), result);
        Assert.Empty(fills);
        Assert.Equal(2, engine.RestingCount);
        Assert.Equal(3, engine.Find(1)!.Remaining);
    }

    [Fact]
    public void FOK_that_can_fill_whole_does()
    {
        Limit("s1", Side.Sell, 100, 3);
        Limit("s2", Side.Sell, 101, 4);

        var result = Limit("b", Side.Buy, 101, 7, TimeInForce.Fok);

        Assert.Equal(OrderOutcome.Filled, result.Outcome);
        Assert.Equal("1x3:3@100 2x3:4@101", Fills());
    }

    [Fact]
    public void A_market_order_on_an_empty_side_is_cancelled_without_fills()
    {
        var result = Market("b", Side.Buy, 10, maxCost: 1_000);

        Assert.Equal(new SubmitResult(OrderOutcome.Cancelled, RejectReason.None, CancelReason.NotImmediatelyFillable, 0), result);
        Assert.Equal(0, engine.RestingCount);
    }

    [Fact]
    public void A_market_buy_stops_at_its_maximum_cost()
    {
        Limit("s1", Side.Sell, 100, 5);
        Limit("s2", Side.Sell, 150, 5);

        var result = Market("b", Side.Buy, 10, maxCost: 5 * 100 + 2 * 150 + 149);

        Assert.Equal(new SubmitResult(OrderOutcome.Cancelled, RejectReason.None, CancelReason.MaxCostReached, 7), result);
        Assert.Equal("1x3:5@100 2x3:2@150", Fills());
    }

    [Fact]
    public void A_market_order_must_be_immediate_and_a_market_buy_must_state_its_cost()
    {
        Assert.Equal(RejectReason.MarketOrderMustBeImmediate, Market("b", Side.Sell, 1, tif: TimeInForce.Gtc).RejectReason);
        Assert.Equal(RejectReason.MaxCostRequired, Market("b", Side.Buy, 1, maxCost: 0).RejectReason);
    }

    [Fact]
    public void An_order_never_trades_with_its_own_participant_the_newest_is_cancelled()
    {
        Limit("other", Side.Sell, 100, 2); // 1
        Limit("me", Side.Sell, 100, 5);    // 2
        Limit("other", Side.Sell, 100, 5); // 3

        var result = Limit("me", Side.Buy, 100, 10);

        Assert.Equal(new SubmitResult(OrderOutcome.Cancelled, RejectReason.None, CancelReason.SelfTrade, 2), result);
        Assert.Equal("1x4:2@100", Fills());
        Assert.Equal(5, engine.Find(2)!.Remaining);
        Assert.Equal(5, engine.Find(3)!.Remaining);
    }

    [Fact]
    public void FOK_counts_only_what_comes_before_its_own_order()
    {
        Limit("other", Side.Sell, 100, 2);
        Limit("me", Side.Sell, 100, 5);
        Limit("other", Side.Sell, 100, 5);

        Assert.Equal(CancelReason.FillOrKill, Limit("me", Side.Buy, 100, 3, TimeInForce.Fok).CancelReason);
        Assert.Empty(fills);
    }

    [Fact]
    public void Cancel_takes_a_resting_order_off_and_cancelling_a_filled_one_finds_nothing()
    {
        Limit("s", Side.Sell, 100, 5);
        Limit("b", Side.Buy, 100, 5);
        Limit("s", Side.Sell, 105, 5);

        Assert.Null(engine.Cancel(1));
        Assert.Equal(3, engine.Cancel(3)!.OrderId);
        Assert.Null(engine.BestAskMicros);
        Assert.Null(engine.Cancel(3));
    }

    [Fact]
    public void Reduce_keeps_time_priority_and_to_zero_cancels()
    {
        Limit("s1", Side.Sell, 100, 10); // 1
        Limit("s2", Side.Sell, 100, 10); // 2

        Assert.Equal(4, engine.Reduce(1, 4)!.Remaining);
        Assert.Null(engine.Reduce(1, 4));
        Limit("b", Side.Buy, 100, 5);
        Assert.Equal("1x3:4@100 2x3:1@100", Fills());

        Assert.Equal(0, engine.Reduce(2, 0)!.Remaining);
        Assert.Equal(0, engine.RestingCount);
    }

    [Fact]
    public void Limits_are_enforced_by_name()
    {
        var tight = new MatchingEngine(new EngineLimits { PriceMaxMicros = 1_000, QuantityMax = 100, PriceLevelsMax = 2, RestingOrdersMax = 3 });
        var none = new List<Fill>();
        BookOrder Order(long id, long price, long qty, Side side = Side.Buy) => new(id, $"p{id}", side, OrderType.Limit, TimeInForce.Gtc, price, qty);

        Assert.Equal(RejectReason.PriceRequired, tight.Submit(Order(1, 0, 1), none).RejectReason);
        Assert.Equal(RejectReason.PriceOutOfRange, tight.Submit(Order(2, 1_001, 1), none).RejectReason);
        Assert.Equal(RejectReason.QuantityOutOfRange, tight.Submit(Order(3, 10, 101), none).RejectReason);
        Assert.Equal(RejectReason.QuantityOutOfRange, tight.Submit(Order(4, 10, 0), none).RejectReason);
        tight.Submit(Order(5, 10, 1), none);
        Assert.Equal(RejectReason.DuplicateOrderId, tight.Submit(Order(5, 10, 1), none).RejectReason);
        tight.Submit(Order(6, 11, 1), none);
        Assert.Equal(RejectReason.BookFull, tight.Submit(Order(7, 12, 1), none).RejectReason);
        tight.Submit(Order(8, 11, 1), none);
        Assert.Equal(RejectReason.BookFull, tight.Submit(Order(9, 11, 1), none).RejectReason);
    }

    [Fact]
    public void After_a_trade_limit_prices_must_stay_within_the_band()
    {
        Limit("s", Side.Sell, 1_000, 1);
        Limit("b", Side.Buy, 1_000, 1);

        Assert.Equal(RejectReason.PriceOutsideBand, Limit("x", Side.Buy, 1_501, 1).RejectReason);
        Assert.Equal(RejectReason.PriceOutsideBand, Limit("x", Side.Sell, 499, 1).RejectReason);
        Assert.Equal(OrderOutcome.Resting, Limit("x", Side.Buy, 1_500, 1).Outcome);
        Assert.Equal(RejectReason.PriceOutsideBand, Limit("y", Side.Sell, 1_501, 1).RejectReason);
    }
}
