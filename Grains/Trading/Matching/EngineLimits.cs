namespace ClearingCluster.Grains.Trading.Matching;

/// <summary>Every bound the engine enforces, by name. An order outside them is rejected whole.</summary>
public sealed record EngineLimits
{
    /// <summary>Lowest limit price per unit (µ¥).</summary>
    public long PriceMinMicros { get; init; } = 1;

    /// <summary>Highest limit price per unit: ¥10,000 per call or record.</summary>
    public long PriceMaxMicros { get; init; } = 10_000_000_000;

    /// <summary>Once the book has traded, a limit price must lie within this many percent of the last trade price.</summary>
    public int PriceBandPercent { get; init; } = 50;

    public long QuantityMax { get; init; } = 1_000_000_000;

    public int RestingOrdersMax { get; init; } = 100_000;

    public int PriceLevelsMax { get; init; } = 10_000;

    /// <summary>The largest order value the engine accepts: price × quantity must stay far from overflow.</summary>
    public long ValueMaxMicros { get; init; } = 1_000_000_000_000_000;
}
