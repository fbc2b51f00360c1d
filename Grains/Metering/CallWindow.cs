namespace ClearingCluster.Grains.Metering;

/// <summary>
/// The call ids one contract counted within the deduplication window: fingerprint → the call's time. A call dated
/// before the window's start is neither checked nor remembered (it is outside the window); an entry older than the start
/// no longer counts and is dropped by <see cref="Expire"/>. <see cref="Pending"/> counts the calls accepted and not yet
/// durable: a window with pending calls holds something storage does not, so it is never forgotten.
/// </summary>
public sealed class CallWindow
{
    private readonly Dictionary<long, long> calls = [];

    public int Count => calls.Count;

    public int Pending { get; internal set; }

    /// <summary>When the window was last used, in the book's ticks: the least recently used are forgotten first.</summary>
    public long LastUsed { get; internal set; }

    public bool Holds(long fingerprint, long windowStartMicros) =>
        calls.TryGetValue(fingerprint, out var at) && at >= windowStartMicros;

    /// <summary>Remembers a call; returns how many entries were added (0 or 1).</summary>
    public int Remember(long fingerprint, long atMicros, long windowStartMicros)
    {
        if (atMicros < windowStartMicros)
        {
            return 0;
        }
        var added = calls.TryAdd(fingerprint, atMicros) ? 1 : 0;
        if (added == 0 && calls[fingerprint] < atMicros)
        {
            calls[fingerprint] = atMicros;
        }
        return added;
    }

    /// <summary>Forgets one call (counted for a batch that did not become durable); returns how many entries went (0 or 1).</summary>
    public int Forget(long fingerprint) => calls.Remove(fingerprint) ? 1 : 0;

    /// <summary>Drops calls dated before the window's start; returns how many.</summary>
    public int Expire(long windowStartMicros)
    {
        var before = calls.Count;
        foreach (var (fingerprint, at) in calls)
        {
            if (at < windowStartMicros)
            {
                calls.Remove(fingerprint);
            }
        }
        return before - calls.Count;
    }
}
