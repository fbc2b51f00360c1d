namespace ClearingCluster.Grains.Clearing;

/// <summary>Clearing cycles' schedule (configuration section <c>Clearing:Cycles</c>).</summary>
public sealed class CycleOptions
{
    /// <summary>
    /// How often the open cycle is cut off by the durable schedule, aligned to multiples of the period since
    /// 1970-01-01 UTC (daily: at midnight UTC; hourly: on the hour). Zero turns the schedule off; staff can always cut
    /// off by hand.
    /// </summary>
    public TimeSpan CutOffEvery { get; set; } = TimeSpan.FromDays(1);

    /// <summary>The schedule's reminder.</summary>
    public const string ReminderName = "cutoff";

    /// <summary>How many contract lines a statement page holds at most (and by default).</summary>
    public const int StatementLinesMax = 10_000;

    public const int StatementLinesDefault = 1_000;

    /// <summary>The next scheduled cut-off strictly after <paramref name="now"/>.</summary>
    public DateTimeOffset NextCutOff(DateTimeOffset now)
    {
        var period = CutOffEvery.Ticks;
        var since = now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return new DateTimeOffset(DateTimeOffset.UnixEpoch.UtcTicks + (since / period + 1) * period, TimeSpan.Zero);
    }
}
