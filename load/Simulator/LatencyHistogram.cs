using System.Diagnostics;
using System.Numerics;

namespace ClearingCluster.Load.Simulator;

/// <summary>
/// Latencies in microseconds, HdrHistogram's way: log-linear buckets, so memory is fixed (3,968 counters) however many
/// values are recorded, recording is one atomic increment from any thread, and a percentile is within 1/128 (0.8 %) of
/// the true value. Values below 256 µs are exact; above, each power of two is split into 128 equal buckets, and a
/// percentile reports its bucket's highest value (never better than what was seen). Values past about 19 hours are
/// counted as that.
/// </summary>
public sealed class LatencyHistogram
{
    private const int ExactBelow = 256;
    private const int SubBucketBits = 7;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int HighestExponent = 36;
    public const long MaxTrackableMicros = (1L << (HighestExponent + 1)) - 1;

    private readonly long[] counts = new long[ExactBelow + ((HighestExponent - 7) * SubBuckets)];
    private long total;
    private long max;

    public long Count => Interlocked.Read(ref total);

    public long MaxMicros => Interlocked.Read(ref max);

    public void Record(long micros)
    {
        var value = Math.Clamp(micros, 0, MaxTrackableMicros);
        Interlocked.Increment(ref counts[IndexOf(value)]);
        Interlocked.Increment(ref total);
        long seen;
        while (value > (seen = Interlocked.Read(ref max)) && Interlocked.CompareExchange(ref max, value, seen) != seen)
        {
        }
    }

    public void RecordElapsed(long startTimestamp) => Record((long)Stopwatch.GetElapsedTime(startTimestamp).TotalMicroseconds);

    /// <summary>Adds every value <paramref name="other"/> holds (an interval into a run's whole).</summary>
    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < counts.Length; i++)
        {
            if (other.counts[i] is var n and > 0)
            {
                Interlocked.Add(ref counts[i], n);
            }
        }
        Interlocked.Add(ref total, other.Count);
        var otherMax = other.MaxMicros;
        long seen;
        while (otherMax > (seen = Interlocked.Read(ref max)) && Interlocked.CompareExchange(ref max, otherMax, seen) != seen)
        {
        }
    }

    /// <summary>The value at quantile <paramref name="q"/> (0–1) in µs; 0 when nothing was recorded.</summary>
    public long ValueAt(double q)
    {
        Debug.Assert(q is >= 0 and <= 1, "a quantile is between 0 and 1");
        var n = Count;
        if (n == 0)
        {
            return 0;
        }
        var rank = Math.Max(1, (long)Math.Ceiling(q * n));
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += Interlocked.Read(ref counts[i]);
            if (seen >= rank)
            {
                return Math.Min(HighestValueOf(i), MaxMicros);
            }
        }
        return MaxMicros;
    }

    public double MillisecondsAt(double q) => ValueAt(q) / 1000.0;

    /// <summary>The bucket a value is counted in.</summary>
    public static int IndexOf(long value)
    {
        if (value < ExactBelow)
        {
            return (int)value;
        }
        var exponent = 63 - BitOperations.LeadingZeroCount((ulong)value);
        var subBucket = (int)(value >> (exponent - SubBucketBits)) - SubBuckets;
        return ExactBelow + ((exponent - 8) * SubBuckets) + subBucket;
    }

    /// <summary>The largest value bucket <paramref name="index"/> counts.</summary>
    public static long HighestValueOf(int index)
    {
        if (index < ExactBelow)
        {
            return index;
        }
        var exponent = ((index - ExactBelow) / SubBuckets) + 8;
        var subBucket = ((index - ExactBelow) % SubBuckets) + SubBuckets;
        var width = 1L << (exponent - SubBucketBits);
        return (subBucket * width) + width - 1;
    }
}
