namespace ClearingCluster.Grains.Trading.Matching;

/// <summary>
/// One side's price levels in a sorted array with the best level last: the best is O(1), finding or inserting a
/// level is a binary search and a short move, and taking the best level away is O(1). Bids are kept ascending,
/// asks descending, so "best" is always the end.
/// </summary>
internal sealed class BookSide(Side side, int levelsMax)
{
    private readonly Stack<PriceLevel> pool = new();
    private PriceLevel[] levels = new PriceLevel[64];

    public Side Side { get; } = side;

    public int LevelCount { get; private set; }

    public PriceLevel? Best => LevelCount == 0 ? null : levels[LevelCount - 1];

    /// <summary>The i-th best level (0 = best).</summary>
    public PriceLevel LevelFromBest(int index) => levels[LevelCount - 1 - index];

    public bool IsFull => LevelCount >= levelsMax;

    /// <summary>True when <paramref name="price"/> is at least as good as <paramref name="than"/> for this side.</summary>
    public bool AtLeastAsGood(long price, long than) => Side == Side.Buy ? price >= than : price <= than;

    public PriceLevel? Find(long priceMicros)
    {
        var index = Search(priceMicros);
        return index >= 0 ? levels[index] : null;
    }

    /// <summary>The level at the price, created if missing; null when a new level would exceed the limit.</summary>
    public PriceLevel? GetOrAdd(long priceMicros)
    {
        var index = Search(priceMicros);
        if (index >= 0)
        {
            return levels[index];
        }
        if (IsFull)
        {
            return null;
        }
        var insertAt = ~index;
        if (LevelCount == levels.Length)
        {
            Array.Resize(ref levels, levels.Length * 2);
        }
        Array.Copy(levels, insertAt, levels, insertAt + 1, LevelCount - insertAt);
        var level = pool.Count > 0 ? pool.Pop() : new PriceLevel();
        level.Reset(priceMicros);
        levels[insertAt] = level;
        LevelCount++;
        return level;
    }

    public void RemoveEmpty(PriceLevel level)
    {
        var index = LevelCount > 0 && levels[LevelCount - 1] == level ? LevelCount - 1 : Search(level.PriceMicros);
        Array.Copy(levels, index + 1, levels, index, LevelCount - index - 1);
        LevelCount--;
        levels[LevelCount] = null!;
        pool.Push(level);
    }

    /// <summary>Binary search by key: ascending prices for bids, descending for asks.</summary>
    private int Search(long priceMicros)
    {
        var key = Key(priceMicros);
        int low = 0, high = LevelCount - 1;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            var middleKey = Key(levels[middle].PriceMicros);
            if (middleKey == key)
            {
                return middle;
            }
            if (middleKey < key)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }
        return ~low;
    }

    private long Key(long priceMicros) => Side == Side.Buy ? priceMicros : -priceMicros;
}
