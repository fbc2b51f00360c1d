using ClearingCluster.Interfaces;

namespace ClearingCluster.Grains.Trading;

/// <summary>How many price levels a book view shows: refused outside the bounds, never clamped (as the ledger's page size).</summary>
public static class OrderBookDepth
{
    public const int Default = 20;
    public const int Max = 100;

    public static int Validate(int depth) => depth is >= 1 and <= Max
        ? depth
        : throw DomainException.Invalid("invalid_depth", $"depth must be 1–{Max}");
}
