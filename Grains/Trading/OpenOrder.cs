using ClearingCluster.Interfaces.Trading;

namespace ClearingCluster.Grains.Trading;

/// <summary>
/// An open order as the book keeps it: its terms as placed, what has changed since (fills, reduces), its fills so far
/// and its place in time priority. The changing part is plain fields, so a fill changes numbers, not objects; a view
/// is made only when someone asks for one.
/// </summary>
public sealed class OpenOrder(OrderView placed, long sequence, List<OrderFill> fills)
{
    public long Sequence { get; } = sequence;

    public List<OrderFill> Fills { get; } = fills;

    public string OrderId => placed.OrderId;

    public string Participant => placed.Participant;

    public string EnteredBy => placed.EnteredBy;

    public string Side => placed.Side;

    public long PriceMicros => placed.PriceMicros;

    public string? Scenario => placed.Scenario;

    public int ValidityDays => placed.ValidityDays;

    public long Filled { get; set; } = placed.Filled;

    public long Remaining { get; set; } = placed.Remaining;

    public long Cancelled { get; set; } = placed.Cancelled;

    public DateTimeOffset UpdatedAt { get; set; } = placed.UpdatedAt;

    /// <summary>The remaining quantity the last reduce asked for: repeating that reduce changes nothing.</summary>
    public long? LastReducedTo { get; set; }

    public string Status => Filled == 0 ? OrderStatus.Resting : OrderStatus.PartiallyFilled;

    public long Number => long.Parse(OrderId.AsSpan(OrderId.LastIndexOf(':') + 1), System.Globalization.CultureInfo.InvariantCulture);

    public bool IsBuy => Side == "buy";

    /// <summary>What a resting buy holds: its price for every unit still open.</summary>
    public long HeldMicros => IsBuy ? checked(PriceMicros * Remaining) : 0;

    /// <summary>The order as it stands, with its fills.</summary>
    public OrderView Snapshot() => View([.. Fills]);

    /// <summary>The order as it stands, with the given status, reason and fills (when it leaves the book, say).</summary>
    public OrderView View(IReadOnlyList<OrderFill> fills, string? status = null, string? reason = null) => placed with
    {
        Status = status ?? Status,
        Filled = Filled,
        Remaining = Remaining,
        Cancelled = Cancelled,
        Reason = reason,
        UpdatedAt = UpdatedAt,
        Fills = fills,
    };
}
