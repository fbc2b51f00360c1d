using ClearingCluster.Grains.Trading.Matching;
using ClearingCluster.Grains.Validation;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Trading;

namespace ClearingCluster.Grains.Trading;

/// <summary>What an order must carry before it is looked at by anything else.</summary>
public static class OrderRules
{
    public const int ValidityDaysMax = 3650;

    public static readonly IReadOnlySet<string> Sides = new HashSet<string>(StringComparer.Ordinal) { "buy", "sell" };
    public static readonly IReadOnlySet<string> Types = new HashSet<string>(StringComparer.Ordinal) { "limit", "market" };
    public static readonly IReadOnlySet<string> TimesInForce = new HashSet<string>(StringComparer.Ordinal) { "gtc", "ioc", "fok" };

    /// <summary>The order's own fields, within the engine's bounds (a bound is a 400 naming the field, whichever side it is broken on).</summary>
    public static PlaceOrder Validate(PlaceOrder order, EngineLimits limits)
    {
        Inputs.Text(order.ClientOrderId, "clientOrderId", Inputs.ReferenceLengthMax);
        Inputs.Id(order.Participant, "participant");
        Inputs.Id(order.Product, "product");
        Inputs.OneOf(order.Side, "side", Sides);
        Inputs.OneOf(order.Type, "type", Types);
        Inputs.OneOf(order.TimeInForce, "timeInForce", TimesInForce);
        if (order.Quantity < 1 || order.Quantity > limits.QuantityMax)
        {
            throw DomainException.Invalid("invalid_quantity", $"quantity must be 1–{limits.QuantityMax}");
        }
        if (order.Type == "limit")
        {
            if (order.PriceMicros < limits.PriceMinMicros || order.PriceMicros > limits.PriceMaxMicros)
            {
                throw DomainException.Invalid("invalid_price", $"a limit price must be {limits.PriceMinMicros}–{limits.PriceMaxMicros} µ¥ per unit");
            }
        }
        else if (order.PriceMicros != 0)
        {
            throw DomainException.Invalid("invalid_price", "a market order carries no price");
        }
        if (order.Type == "market" && order.Side == "buy")
        {
            if (order.MaxCostMicros < 1 || order.MaxCostMicros > Inputs.AmountMicrosMax)
            {
                throw DomainException.Invalid("invalid_max_cost", "a market buy must state maxCost (µ¥), the most it may spend");
            }
        }
        else if (order.MaxCostMicros != 0)
        {
            throw DomainException.Invalid("invalid_max_cost", "maxCost is for market buys only");
        }
        if (order.Type == "market" && order.TimeInForce == "gtc")
        {
            throw DomainException.Invalid("invalid_time_in_force", "a market order is ioc or fok");
        }
        if (order.Side == "buy")
        {
            Inputs.Id(order.Scenario, "scenario");
            if (order.ValidityDays is < 1 or > ValidityDaysMax)
            {
                throw DomainException.Invalid("invalid_validity_days", $"validityDays must be 1–{ValidityDaysMax}");
            }
        }
        return order;
    }

    /// <summary>The most a buy can cost: what is reserved before it reaches the book.</summary>
    public static long ReserveMicros(PlaceOrder order) =>
        order.Type == "market" ? order.MaxCostMicros : checked(order.PriceMicros * order.Quantity);

    public static Side SideOf(string side) => side == "buy" ? Side.Buy : Side.Sell;

    public static OrderType TypeOf(string type) => type == "market" ? OrderType.Market : OrderType.Limit;

    public static TimeInForce TimeInForceOf(string tif) => tif switch
    {
        "ioc" => TimeInForce.Ioc,
        "fok" => TimeInForce.Fok,
        _ => TimeInForce.Gtc,
    };

    public static string RejectCode(RejectReason reason) => reason switch
    {
        RejectReason.PriceOutOfRange => "price_out_of_range",
        RejectReason.PriceOutsideBand => "price_outside_band",
        RejectReason.QuantityOutOfRange => "quantity_out_of_range",
        RejectReason.ValueTooLarge => "order_value_too_large",
        RejectReason.BookFull => "book_full",
        _ => "order_rejected",
    };

    public static string? CancelText(CancelReason reason) => reason switch
    {
        CancelReason.NotImmediatelyFillable => "not_immediately_fillable",
        CancelReason.FillOrKill => "fill_or_kill",
        CancelReason.SelfTrade => "self_trade_prevented",
        CancelReason.MaxCostReached => "max_cost_reached",
        CancelReason.Requested => "cancelled_by_owner",
        _ => null,
    };
}
