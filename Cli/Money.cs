using System.Globalization;

namespace ClearingCluster.Cli;

/// <summary>
/// µ¥ as staff read them: yen to the cent for the eye, and the exact µ¥ the API and the books hold, so a figure can be
/// checked against a statement or a CSV without rounding in the way. Invariant culture: the same text on every machine.
/// </summary>
public static class Money
{
    public const long MicrosPerYen = 1_000_000;

    /// <summary><c>¥1,234.56 (1,234,560,000 µ¥)</c>; negative as <c>-¥…</c>. The yen are rounded half away from zero, the µ¥ exact.</summary>
    public static string Format(long micros)
    {
        var yen = Math.Round((decimal)micros / MicrosPerYen, 2, MidpointRounding.AwayFromZero);
        var sign = yen < 0 ? "-" : "";
        return $"{sign}¥{Math.Abs(yen).ToString("N2", CultureInfo.InvariantCulture)} ({Figures.Count(micros)} µ¥)";
    }
}
