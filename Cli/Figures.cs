using System.Globalization;

namespace ClearingCluster.Cli;

/// <summary>Everything but money as the tables print it, in invariant culture: counts, ratios, times, durations.</summary>
public static class Figures
{
    /// <summary>A count with thousands separators (units, contracts, postings).</summary>
    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Basis points as a percentage to two decimals, with the exact basis points: <c>87.50 % (8,750 bp)</c>.</summary>
    public static string Percentage(long basisPoints) =>
        $"{(basisPoints / 100m).ToString("N2", CultureInfo.InvariantCulture)} % ({Count(basisPoints)} bp)";

    /// <summary>UTC to the millisecond; the API's microseconds add nothing a person compares by eye.</summary>
    public static string Time(DateTimeOffset? at) =>
        at?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) ?? "–";

    public static string Milliseconds(long milliseconds) => $"{Count(milliseconds)} ms";

    /// <summary>How long a command has been waiting, for the spinner.</summary>
    public static string Elapsed(TimeSpan elapsed) => $"{elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s";
}
