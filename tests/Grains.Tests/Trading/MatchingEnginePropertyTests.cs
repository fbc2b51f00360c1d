using ClearingCluster.Grains.Trading.Matching;
using FsCheck;
using FsCheck.Fluent;

namespace ClearingCluster.Grains.Tests.Trading;

/// <summary>Random order streams through the engine and the reference book: the same trades, the same book, always.</summary>
public sealed class MatchingEnginePropertyTests
{
    public sealed record Step(bool Cancel, int Who, Side Side, OrderType Type, TimeInForce Tif, long Price, long Quantity, long MaxCost, int CancelPick);

    private static readonly Gen<Step> Steps =
        from cancel in Gen.Frequency((1, Gen.Constant(true)), (6, Gen.Constant(false)))
        from who in Gen.Choose(0, 3)
        from side in Gen.Elements(Side.Buy, Side.Sell)
        from type in Gen.Frequency((5, Gen.Constant(OrderType.Limit)), (1, Gen.Constant(OrderType.Market)))
        from tif in Gen.Frequency((4, Gen.Constant(TimeInForce.Gtc)), (1, Gen.Constant(TimeInForce.Ioc)), (1, Gen.Constant(TimeInForce.Fok)))
        from price in Gen.Choose(95, 105)
        from quantity in Gen.Choose(1, 20)
        from maxCost in Gen.Choose(0, 3_000)
        from pick in Gen.Choose(0, 1_000)
        select new Step(cancel, who, side, type, type == OrderType.Market && tif == TimeInForce.Gtc ? TimeInForce.Ioc : tif, price, quantity, maxCost + 1, pick);

    [Fact]
    public void The_engine_trades_like_the_reference_and_its_book_is_never_crossed()
    {
        var property = Prop.ForAll(Steps.ArrayOf().ToArbitrary(), steps =>
        {
            var engine = new MatchingEngine(new EngineLimits { PriceBandPercent = 100 });
            var reference = new ReferenceBook();
            var fills = new List<Fill>();
            var submitted = new Dictionary<long, long>();
            long cancelledQuantity = 0, tradedQuantity = 0;
            long id = 0;

            foreach (var step in steps)
            {
                if (step.Cancel)
                {
                    if (reference.Resting.Count == 0)
                    {
                        continue;
                    }
                    var victim = reference.Resting[step.CancelPick % reference.Resting.Count];
                    reference.Resting.Remove(victim);
                    var cancelled = engine.Cancel(victim.Id);
                    if (cancelled is null || cancelled.Remaining != victim.Remaining)
                    {
                        return false;
                    }
                    cancelledQuantity += victim.Remaining;
                    continue;
                }

                id++;
                var who = $"p{step.Who}";
                var price = step.Type == OrderType.Market ? 0 : step.Price;
                var maxCost = step.Type == OrderType.Market && step.Side == Side.Buy ? step.MaxCost : 0;
                var order = new BookOrder(id, who, step.Side, step.Type, step.Tif, price, step.Quantity, maxCost);
                fills.Clear();
                var result = engine.Submit(order, fills);
                var expected = reference.Submit(new ReferenceBook.Order(id, who, step.Side, step.Type, step.Tif, price, step.Quantity, maxCost, id));
                submitted[id] = step.Quantity;

                var actual = fills.Select(f => (f.Maker.OrderId, f.Taker.OrderId, f.PriceMicros, f.Quantity)).ToList();
                tradedQuantity += fills.Sum(f => f.Quantity);
                if (!actual.SequenceEqual(expected) || result.Outcome == OrderOutcome.Rejected)
                {
                    return false;
                }
                if (result.Outcome == OrderOutcome.Cancelled)
                {
                    cancelledQuantity += step.Quantity - result.FilledQuantity;
                }
                // Never crossed after a match.
                if (engine.BestBidMicros is { } bid && engine.BestAskMicros is { } ask && bid >= ask)
                {
                    return false;
                }
            }

            // The same book, in the same priority order, with the same remainders.
            foreach (var side in new[] { Side.Buy, Side.Sell })
            {
                var engineBook = engine.RestingOrders(side).Select(o => (o.OrderId, o.Remaining));
                var referenceBook = reference.InPriority(side).Select(o => (o.Id, o.Remaining));
                if (!engineBook.SequenceEqual(referenceBook))
                {
                    return false;
                }
            }

            // Quantity is conserved: submitted = filled + resting + cancelled, where each trade fills its quantity twice
            // (on the maker and on the taker).
            var restingUnits = engine.RestingOrders(Side.Buy).Concat(engine.RestingOrders(Side.Sell)).Sum(o => o.Remaining);
            return submitted.Values.Sum() == 2 * tradedQuantity + restingUnits + cancelledQuantity;
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(400).WithReplay(674386, 1), property);
    }

    [Fact]
    public void Restoring_the_resting_orders_in_sequence_reproduces_the_same_book()
    {
        var property = Prop.ForAll(Steps.ArrayOf().ToArbitrary(), steps =>
        {
            var engine = new MatchingEngine(new EngineLimits { PriceBandPercent = 100 });
            var fills = new List<Fill>();
            long id = 0;
            foreach (var step in steps.Where(s => !s.Cancel))
            {
                fills.Clear();
                engine.Submit(new BookOrder(++id, $"p{step.Who}", step.Side, step.Type, step.Tif, step.Type == OrderType.Market ? 0 : step.Price,
                    step.Quantity, step.Type == OrderType.Market && step.Side == Side.Buy ? step.MaxCost : 0), fills);
            }

            var rebuilt = new MatchingEngine(new EngineLimits { PriceBandPercent = 100 });
            var snapshot = engine.RestingOrders(Side.Buy).Concat(engine.RestingOrders(Side.Sell)).OrderBy(o => o.Sequence).ToList();
            foreach (var order in snapshot)
            {
                rebuilt.Restore(new BookOrder(order.OrderId, order.Participant, order.Side, order.Type, order.TimeInForce, order.PriceMicros, order.Remaining), order.Sequence);
            }

            return new[] { Side.Buy, Side.Sell }.All(side =>
                engine.RestingOrders(side).Select(o => (o.OrderId, o.Remaining, o.Sequence))
                    .SequenceEqual(rebuilt.RestingOrders(side).Select(o => (o.OrderId, o.Remaining, o.Sequence))));
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(200).WithReplay(674386, 1), property);
    }
}
