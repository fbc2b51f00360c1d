using System.Diagnostics;

namespace ClearingCluster.Load.Simulator;

/// <summary>
/// When each request is meant to be sent. Closed loop: now, so each caller sends when its previous answer arrives (the
/// maximum rate). Open loop at a target rate: the n-th unit (an order, a usage record) is due at start + n / rate,
/// one schedule shared by every caller, and a caller that is late sends at once. Latency is measured from the due
/// time, not the send, so a stalled exchange cannot hide its stall by slowing the callers down (coordinated
/// omission): requests queued behind a stall count the time they waited. Sleeping to a due time wakes up to about a
/// millisecond late on Linux; that millisecond is counted too.
/// </summary>
public sealed class SendSchedule
{
    private readonly double? unitsPerSecond;
    private readonly long start = Stopwatch.GetTimestamp();
    private long unitsDue;

    private SendSchedule(double? unitsPerSecond)
    {
        if (unitsPerSecond is <= 0 or double.NaN or double.PositiveInfinity)
        {
            throw new ArgumentOutOfRangeException(nameof(unitsPerSecond), unitsPerSecond, "a target rate is above 0 and finite");
        }
        this.unitsPerSecond = unitsPerSecond;
    }

    public static SendSchedule ClosedLoop() => new(null);

    public static SendSchedule OpenLoop(double unitsPerSecond) => new(unitsPerSecond);

    public bool IsOpenLoop => unitsPerSecond is not null;

    /// <summary>The due time (a <see cref="Stopwatch"/> timestamp) of the next <paramref name="units"/>, without waiting for it.</summary>
    public long Reserve(int units)
    {
        Debug.Assert(units > 0, "a request carries at least one unit");
        if (unitsPerSecond is not { } rate)
        {
            return Stopwatch.GetTimestamp();
        }
        var first = Interlocked.Add(ref unitsDue, units) - units;
        return start + (long)(first / rate * Stopwatch.Frequency);
    }

    /// <summary>Waits until the next <paramref name="units"/> are due and returns their due time.</summary>
    public async ValueTask<long> NextAsync(int units, CancellationToken stop)
    {
        var due = Reserve(units);
        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, stop);
        }
        return due;
    }
}
