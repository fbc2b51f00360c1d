using ClearingCluster.Interfaces.Trading;

namespace ClearingCluster.Grains.Trading;

/// <summary>An open order as the book keeps it: its view as it stands, its fills so far, its place in time priority.</summary>
public sealed class OpenOrder(OrderView view, long sequence, List<OrderFill> fills)
{
    public OrderView View { get; set; } = view;

    public long Sequence { get; } = sequence;

    public List<OrderFill> Fills { get; } = fills;

    /// <summary>The remaining quantity the last reduce asked for: repeating that reduce changes nothing.</summary>
    public long? LastReducedTo { get; set; }

    public long Number => long.Parse(View.OrderId.AsSpan(View.OrderId.LastIndexOf(':') + 1), System.Globalization.CultureInfo.InvariantCulture);

    public bool IsBuy => View.Side == "buy";

    /// <summary>What a resting buy holds: its price for every unit still open.</summary>
    public long HeldMicros => IsBuy ? checked(View.PriceMicros * View.Remaining) : 0;

    public OrderView Snapshot() => View with { Fills = [.. Fills] };
}
