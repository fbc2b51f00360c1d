namespace ClearingCluster.Grains.Trading.Matching;

/// <summary>
/// An order inside the engine: the only allocation per order. While it rests it is linked into its price
/// level's FIFO list (<see cref="Previous"/>, <see cref="Next"/>), so a cancel is O(1).
/// </summary>
public sealed class BookOrder(long orderId, string participant, Side side, OrderType type, TimeInForce timeInForce, long priceMicros, long quantity, long maxCostMicros = 0)
{
    public long OrderId { get; } = orderId;

    public string Participant { get; } = participant;

    public Side Side { get; } = side;

    public OrderType Type { get; } = type;

    public TimeInForce TimeInForce { get; } = timeInForce;

    /// <summary>Limit price per unit; 0 for a market order.</summary>
    public long PriceMicros { get; } = priceMicros;

    /// <summary>A market buy spends at most this much; 0 when not a market buy.</summary>
    public long MaxCostMicros { get; } = maxCostMicros;

    public long Quantity { get; } = quantity;

    public long Remaining { get; internal set; } = quantity;

    public long Filled => Quantity - Remaining - Reduced;

    /// <summary>Quantity taken away by reduce requests while resting.</summary>
    public long Reduced { get; internal set; }

    /// <summary>Spent so far by this order as a taker (µ¥), for market buys' cap.</summary>
    public long SpentMicros { get; internal set; }

    /// <summary>Time priority: the engine's arrival counter, assigned on submit.</summary>
    public long Sequence { get; internal set; }

    internal PriceLevel? Level { get; set; }

    internal BookOrder? Previous { get; set; }

    internal BookOrder? Next { get; set; }

    public bool IsResting => Level is not null;
}
