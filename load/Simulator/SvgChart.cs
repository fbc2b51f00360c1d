using System.Globalization;
using System.Text;
using static System.Net.WebUtility;

namespace ClearingCluster.Load.Simulator;

/// <summary>One series of a line chart: its name, colour and a value per x (NaN where there was none).</summary>
public sealed record ChartSeries(string Name, string Color, IReadOnlyList<double> Values);

/// <summary>
/// A line chart as inline SVG, so a report is one file that opens anywhere with nothing to fetch: a y axis from 0 to a
/// round maximum with four grid lines, seconds along x, and the run's events as vertical marks (grey a cycle step,
/// red a kill) whose titles say what happened.
/// </summary>
public static class SvgChart
{
    private const int Width = 960;
    private const int Height = 240;
    private const int Left = 70;
    private const int Right = 20;
    private const int Top = 30;
    private const int Bottom = 30;

    public static string Render(string title, string unit, IReadOnlyList<double> seconds, IReadOnlyList<ChartSeries> series, IReadOnlyList<SimulationEvent> events)
    {
        var svg = new StringBuilder();
        var plotWidth = Width - Left - Right;
        var plotHeight = Height - Top - Bottom;
        var xMax = Math.Max(1, seconds.Count == 0 ? 1 : seconds[^1]);
        var yMax = RoundUp(series.SelectMany(s => s.Values).Where(v => !double.IsNaN(v)).DefaultIfEmpty(0).Max());
        string X(double second) => F(Left + (second / xMax * plotWidth));
        string Y(double value) => F(Top + plotHeight - (value / yMax * plotHeight));

        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"{HtmlEncode(title)}\">");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"18\" class=\"title\">{HtmlEncode(title)}</text>");
        for (var i = 0; i <= 4; i++)
        {
            var value = yMax * i / 4;
            svg.Append(CultureInfo.InvariantCulture,
                $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Y(value)}\" y2=\"{Y(value)}\" class=\"grid\"/><text x=\"{Left - 6}\" y=\"{Y(value)}\" class=\"ylabel\">{Label(value)}</text>");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"12\" y=\"{Top + (plotHeight / 2)}\" class=\"unit\" transform=\"rotate(-90 12 {Top + (plotHeight / 2)})\">{HtmlEncode(unit)}</text>");
        var step = Math.Max(1, RoundUp(xMax / 10));
        for (var s = 0.0; s <= xMax; s += step)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(s)}\" y=\"{Height - 10}\" class=\"xlabel\">{Label(s)} s</text>");
        }
        foreach (var e in events)
        {
            svg.Append(CultureInfo.InvariantCulture,
                $"<line x1=\"{X(e.Second)}\" x2=\"{X(e.Second)}\" y1=\"{Top}\" y2=\"{Top + plotHeight}\" class=\"event {(e.Kind == "kill" ? "kill" : "cycle")}\"><title>{F(e.Second)} s {HtmlEncode(e.Kind)}: {HtmlEncode(e.What)}</title></line>");
        }
        // Legend after the title, at about the width of its characters at 13 px.
        var legendX = Left + (title.Length * 8) + 24;
        foreach (var line in series)
        {
            // A second without a reading (NaN: the Gateway was down) breaks the line rather than dropping it to zero.
            var segment = new List<string>();
            void Draw()
            {
                if (segment.Count > 0)
                {
                    svg.Append(CultureInfo.InvariantCulture,
                        $"<polyline points=\"{string.Join(' ', segment)}\" fill=\"none\" stroke=\"{line.Color}\" stroke-width=\"1.6\"><title>{HtmlEncode(line.Name)}</title></polyline>");
                    segment.Clear();
                }
            }
            for (var i = 0; i < line.Values.Count; i++)
            {
                if (double.IsNaN(line.Values[i]))
                {
                    Draw();
                }
                else
                {
                    segment.Add($"{X(seconds[i])},{Y(line.Values[i])}");
                }
            }
            Draw();
            svg.Append(CultureInfo.InvariantCulture,
                $"<rect x=\"{legendX}\" y=\"9\" width=\"12\" height=\"4\" fill=\"{line.Color}\"/><text x=\"{legendX + 16}\" y=\"15\" class=\"legend\">{HtmlEncode(line.Name)}</text>");
            legendX += 40 + (line.Name.Length * 7);
        }
        svg.Append("</svg>");
        return svg.ToString();
    }

    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="value"/> (1 for nothing).</summary>
    public static double RoundUp(double value)
    {
        if (value <= 0 || double.IsNaN(value))
        {
            return 1;
        }
        var power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var factor in new[] { 1.0, 2.0, 5.0, 10.0 })
        {
            if (factor * power >= value)
            {
                return factor * power;
            }
        }
        return 10 * power;
    }

    private static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Label(double value) => value switch
    {
        >= 1_000_000 => (value / 1_000_000).ToString("0.#", CultureInfo.InvariantCulture) + " M",
        >= 10_000 => (value / 1_000).ToString("0.#", CultureInfo.InvariantCulture) + " k",
        _ => value.ToString("0.##", CultureInfo.InvariantCulture),
    };
}
