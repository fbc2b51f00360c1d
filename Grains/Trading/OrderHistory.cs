using ClearingCluster.Grains.Trading.Journal;
using ClearingCluster.Interfaces.Contracts;
using ClearingCluster.Interfaces.Trading;

namespace ClearingCluster.Grains.Trading;

/// <summary>Orders and contracts read back from journal chunks, with no I/O.</summary>
public static class OrderHistory
{
    /// <summary>
    /// An order's view from the chunks that mention it, in journal order: its placement, every fill (as taker or
    /// maker), reduces, and the event that closed it. Null when the chunks do not hold its placement.
    /// </summary>
    public static OrderView? Build(string product, long number, IEnumerable<JournalChunk> chunks)
    {
        OrderView? view = null;
        var fills = new List<OrderFill>();
        foreach (var e in chunks.SelectMany(c => c.Events))
        {
            switch (e)
            {
                case OrderPlaced p when p.Number == number:
                    view = ViewOf(product, p);
                    break;
                case ContractMade c when view is not null && (c.BuyOrder == number || c.SellOrder == number):
                    fills.Add(new OrderFill(ContractTerms.IdOf(product, c.ContractNumber), c.PriceMicros, c.Quantity, view.Side == "buy" ? c.Provider : c.Buyer));
                    if (c.MakerOrder == number)
                    {
                        view = view with
                        {
                            Filled = c.MakerFilled,
                            Remaining = c.MakerRemaining,
                            Status = c.MakerRemaining == 0 ? OrderStatus.Filled : OrderStatus.PartiallyFilled,
                            UpdatedAt = c.At,
                        };
                    }
                    break;
                case OrderReduced r when view is not null && r.Number == number:
                    view = view with { Cancelled = view.Cancelled + view.Remaining - r.Remaining, Remaining = r.Remaining, UpdatedAt = r.At };
                    break;
                case OrderCancelled x when view is not null && x.Number == number:
                    view = view with
                    {
                        Status = OrderStatus.Cancelled,
                        Cancelled = view.Cancelled + x.CancelledQuantity,
                        Remaining = 0,
                        Reason = x.Reason,
                        UpdatedAt = x.At,
                    };
                    break;
            }
        }
        return view is null ? null : view with { Fills = fills };
    }

    public static OrderView ViewOf(string product, OrderPlaced p) => new(
        $"{product}:{p.Number}", p.ClientOrderId, p.Participant, product, p.Side, p.Type, p.TimeInForce, p.PriceMicros, p.Quantity, p.MaxCostMicros,
        p.Scenario, p.ValidityDays, p.Status, p.Filled, p.Remaining, p.Cancelled, p.Reason, p.EnteredBy, [], p.At, p.At);

    /// <summary>Every contract the chunks made, in number order.</summary>
    public static IEnumerable<ContractTerms> Contracts(string product, IEnumerable<JournalChunk> chunks) =>
        chunks.SelectMany(c => c.Events).OfType<ContractMade>().Select(c => TermsOf(product, c));

    public static ContractTerms TermsOf(string product, ContractMade c) => new(
        ContractTerms.IdOf(product, c.ContractNumber), c.ContractNumber, c.Buyer, c.Provider, product, c.PriceMicros, c.Quantity, c.Scenario, c.Delivery,
        c.At, c.ValidTo, c.FeeBasisPoints, $"{product}:{c.BuyOrder}", $"{product}:{c.SellOrder}");

    /// <summary>An order id's number when it names an order of <paramref name="product"/>; null otherwise.</summary>
    public static long? NumberOf(string product, string orderId)
    {
        var separator = orderId.LastIndexOf(':');
        return separator > 0 && orderId.AsSpan(0, separator).SequenceEqual(product)
            && long.TryParse(orderId.AsSpan(separator + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            && n > 0
            ? n
            : null;
    }
}
