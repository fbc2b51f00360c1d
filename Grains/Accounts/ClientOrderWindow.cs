namespace ClearingCluster.Grains.Accounts;

/// <summary>
/// The client order ids a participant used recently, each with the order it named: a repeat returns that order.
/// Bounded by count and by age (both named in <see cref="Trading.TradingOptions"/>); the oldest are forgotten first.
/// An id whose order is still being placed is pending: a repeat waits for the first attempt's outcome.
/// </summary>
public sealed class ClientOrderWindow(int countMax, TimeSpan age)
{
    private readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);
    private readonly Queue<(string Id, Entry Entry, DateTimeOffset At)> order = new();

    public int Count => entries.Count;

    /// <summary>
    /// An id and the order it named. Settled once its first attempt is decided (a number, or refused); a repeat that
    /// arrives before then waits, and only then is anything allocated for waiting.
    /// </summary>
    public sealed class Entry(string product)
    {
        private TaskCompletionSource<long?>? waiting;

        public string Product { get; } = product;

        public bool IsSettled { get; private set; }

        /// <summary>The order's number once placed; null when the first attempt was refused (or is not settled).</summary>
        public long? Number { get; private set; }

        /// <summary>The order's number once the first attempt is settled; null when it was refused.</summary>
        public Task<long?> Placed()
        {
            if (IsSettled)
            {
                return Task.FromResult(Number);
            }
            waiting ??= new TaskCompletionSource<long?>(TaskCreationOptions.RunContinuationsAsynchronously);
            return waiting.Task;
        }

        public void Resolve(long? number)
        {
            if (IsSettled)
            {
                return;
            }
            (Number, IsSettled) = (number, true);
            waiting?.TrySetResult(number);
        }
    }

    public Entry? Find(string clientOrderId) => entries.GetValueOrDefault(clientOrderId);

    /// <summary>Marks an id as being placed now.</summary>
    public Entry Begin(string clientOrderId, string product, DateTimeOffset now)
    {
        var entry = new Entry(product);
        entries[clientOrderId] = entry;
        order.Enqueue((clientOrderId, entry, now));
        Trim(now);
        return entry;
    }

    /// <summary>A refused first attempt leaves no trace: the id may be used again.</summary>
    public void Forget(string clientOrderId, Entry entry)
    {
        entry.Resolve(null);
        if (entries.TryGetValue(clientOrderId, out var current) && ReferenceEquals(current, entry))
        {
            entries.Remove(clientOrderId);
        }
    }

    /// <summary>Loads an id placed before this activation (oldest first).</summary>
    public void Known(string clientOrderId, string product, long number, DateTimeOffset at)
    {
        var entry = new Entry(product);
        entry.Resolve(number);
        entries[clientOrderId] = entry;
        order.Enqueue((clientOrderId, entry, at));
    }

    private void Trim(DateTimeOffset now)
    {
        while (order.Count > 0 && (entries.Count > countMax || now - order.Peek().At > age))
        {
            var (id, entry, _) = order.Dequeue();
            // Only the entry this queue slot made, and only once its order is settled: a pending attempt stays.
            if (entries.TryGetValue(id, out var current) && ReferenceEquals(current, entry) && entry.IsSettled)
            {
                entries.Remove(id);
            }
        }
    }
}
