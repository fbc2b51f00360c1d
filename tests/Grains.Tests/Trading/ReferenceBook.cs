using ClearingCluster.Grains.Trading.Matching;

namespace ClearingCluster.Grains.Tests.Trading;

/// <summary>
/// The simplest book that could be right: a list, scanned in full for the best price and the oldest order each
/// time. Slow and obvious, to check the engine against. No limits but the same STP, FOK and market rules.
/// </summary>
public sealed class ReferenceBook
{
    public sealed class Order(long id, string who, Side side, OrderType type, TimeInForce tif, long price, long quantity, long maxCost, long seq)
    {
        public long Id { get; } = id;
        public string Who { get; } = who;
        public Side Side { get; } = side;
        public OrderType Type { get; } = type;
        public TimeInForce Tif { get; } = tif;
        public long Price { get; } = price;
        public long MaxCost { get; } = maxCost;
        public long Seq { get; } = seq;
        public long Remaining { get; set; } = quantity;
        public long Quantity { get; } = quantity;
        public long Spent { get; set; }
    }

    public List<Order> Resting { get; } = [];

    public List<(long Maker, long Taker, long Price, long Quantity)> Submit(Order taker)
    {
        var fills = new List<(long, long, long, long)>();
        if (taker.Tif == TimeInForce.Fok && !CanFillWhole(taker))
        {
            return fills;
        }
        while (taker.Remaining > 0)
        {
            var best = Best(taker.Side == Side.Buy ? Side.Sell : Side.Buy);
            if (best is null || !Crosses(taker, best.Price) || best.Who == taker.Who)
            {
                break;
            }
            var quantity = Math.Min(taker.Remaining, best.Remaining);
            if (taker.Type == OrderType.Market && taker.Side == Side.Buy)
            {
                quantity = Math.Min(quantity, (taker.MaxCost - taker.Spent) / best.Price);
                if (quantity == 0)
                {
                    break;
                }
            }
            best.Remaining -= quantity;
            taker.Remaining -= quantity;
            taker.Spent += quantity * best.Price;
            fills.Add((best.Id, taker.Id, best.Price, quantity));
            if (best.Remaining == 0)
            {
                Resting.Remove(best);
            }
        }
        var selfTraded = taker.Remaining > 0 && Best(taker.Side == Side.Buy ? Side.Sell : Side.Buy) is { } next
            && Crosses(taker, next.Price) && next.Who == taker.Who;
        if (taker.Remaining > 0 && taker.Type == OrderType.Limit && taker.Tif == TimeInForce.Gtc && !selfTraded)
        {
            Resting.Add(taker);
        }
        return fills;
    }

    public Order? Best(Side side)
    {
        Order? best = null;
        foreach (var order in Resting)
        {
            if (order.Side != side)
            {
                continue;
            }
            if (best is null || (side == Side.Buy ? order.Price > best.Price : order.Price < best.Price)
                || (order.Price == best.Price && order.Seq < best.Seq))
            {
                best = order;
            }
        }
        return best;
    }

    /// <summary>Resting orders in priority order: best price first, then oldest.</summary>
    public IEnumerable<Order> InPriority(Side side) =>
        Resting.Where(o => o.Side == side).OrderBy(o => side == Side.Buy ? -o.Price : o.Price).ThenBy(o => o.Seq);

    private static bool Crosses(Order taker, long price) =>
        taker.Type == OrderType.Market || (taker.Side == Side.Buy ? taker.Price >= price : taker.Price <= price);

    private bool CanFillWhole(Order taker)
    {
        long available = 0, cost = 0;
        foreach (var maker in InPriority(taker.Side == Side.Buy ? Side.Sell : Side.Buy))
        {
            if (!Crosses(taker, maker.Price) || maker.Who == taker.Who)
            {
                return false;
            }
            var take = Math.Min(maker.Remaining, taker.Quantity - available);
            available += take;
            cost += take * maker.Price;
            if (taker.Type == OrderType.Market && taker.Side == Side.Buy && cost > taker.MaxCost)
            {
                return false;
            }
            if (available == taker.Quantity)
            {
                return true;
            }
        }
        return false;
    }
}
