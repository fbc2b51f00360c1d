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

    public sealed class Entry(string product)
    {
        private readonly TaskCompletionSource<long?> placed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Product { get; } = product;

        /// <summary>The order's number once placed; null when the first attempt was refused.</summary>
        public Task<long?> Placed => placed.Task;

        public void Resolve(long? number) => placed.TrySetResult(number);
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
            if (entries.TryGetValue(id, out var current) && ReferenceEquals(current, entry) && entry.Placed.IsCompleted)
            {
                entries.Remove(id);
            }
        }
    }
}
