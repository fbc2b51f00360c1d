using System.Globalization;
using System.Text;
using static System.Net.WebUtility;

namespace ClearingCluster.Load.Simulator;

/// <summary>
/// A run as one self-contained HTML page (<c>--html</c>): the verdict, the figures, every check, throughput and latency
/// over time as SVG charts with the cycles and kills marked, and the events. No script, no stylesheet or font to fetch.
/// </summary>
public static class SimulationHtmlReport
{
    private const string Style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1000px;color:#1d2430;padding:0 12px}
        h1{font-size:22px;margin:0 0 4px} h2{font-size:16px;margin:28px 0 8px} .sub{color:#5b6472;margin:0 0 16px}
        .verdict{display:inline-block;padding:4px 10px;border-radius:6px;font-weight:600}
        .ok{background:#e3f6e8;color:#13632f} .bad{background:#fde8e8;color:#9b1c1c}
        table{border-collapse:collapse;width:100%;font-size:14px} th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e4e7ec;vertical-align:top}
        th{color:#5b6472;font-weight:500;width:210px} td.num{font-variant-numeric:tabular-nums}
        .tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));gap:10px;margin:12px 0}
        .tile{border:1px solid #e4e7ec;border-radius:8px;padding:10px 12px} .tile b{display:block;font-size:22px;font-variant-numeric:tabular-nums}
        .tile span{color:#5b6472;font-size:13px}
        svg{width:100%;height:auto;border:1px solid #e4e7ec;border-radius:8px;margin:6px 0 10px;background:#fff}
        svg .title{font-size:13px;font-weight:600;fill:#1d2430} svg .grid{stroke:#eef0f3} svg .ylabel{font-size:11px;fill:#5b6472;text-anchor:end;dominant-baseline:middle}
        svg .xlabel{font-size:11px;fill:#5b6472;text-anchor:middle} svg .unit{font-size:11px;fill:#5b6472;text-anchor:middle} svg .legend{font-size:12px;fill:#1d2430}
        svg .event{stroke-width:1} svg .cycle{stroke:#b8bec8;stroke-dasharray:3 3} svg .kill{stroke:#d92d20}
        """;

    public static string Render(SimulationResult r)
    {
        string N(double value) => value.ToString("N0", CultureInfo.InvariantCulture);
        string Ms(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);
        var html = new StringBuilder();
        html.Append($"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">");
        html.Append($"<title>Simulator {HtmlEncode(r.Profile)} {HtmlEncode(r.RunId)}</title><style>{Style}</style></head><body><main>");
        html.Append($"<h1>Simulator: {HtmlEncode(r.Profile)} profile</h1>");
        html.Append(CultureInfo.InvariantCulture,
            $"<p class=\"sub\">run {HtmlEncode(r.RunId)}, started {r.StartedAt:yyyy-MM-dd HH:mm:ss} UTC, {Ms(r.Seconds)} s; {HtmlEncode(r.Load)}; {HtmlEncode(r.World)}</p>");
        html.Append(r.Ok
            ? "<p><span class=\"verdict ok\">every check held</span></p>"
            : $"<p><span class=\"verdict bad\">{r.Failures.Count} checks failed, {r.Errors} errors</span></p>");

        html.Append("<div class=\"tiles\">");
        void Tile(string value, string what) => html.Append($"<div class=\"tile\"><b>{HtmlEncode(value)}</b><span>{HtmlEncode(what)}</span></div>");
        Tile($"{N(r.OrdersPerSecond)}/s", "orders acknowledged");
        Tile($"{N(r.UsageRecordsPerSecond)}/s", "usage records acknowledged");
        Tile($"{Ms(r.OrderLatency.P99Ms)} ms", "order p99 (from due time)");
        Tile($"{Ms(r.UsageBatchLatency.P99Ms)} ms", "usage batch p99");
        Tile($"{r.CutOffs}", "cycles cut off and settled");
        if (r.Kills > 0)
        {
            Tile($"{r.Kills}", "kills survived");
        }
        html.Append("</div>");

        var seconds = r.Timeline.Select(p => p.Second).ToArray();
        html.Append("<h2>Throughput</h2>");
        html.Append(SvgChart.Render("Orders per second", "orders/s", seconds, [new ChartSeries("orders", "#2563eb", [.. r.Timeline.Select(p => (double)p.Orders)])], r.Events));
        html.Append(SvgChart.Render("Usage records per second", "records/s", seconds,
            [new ChartSeries("usage records", "#0d9488", [.. r.Timeline.Select(p => (double)p.UsageRecords)])], r.Events));
        html.Append("<h2>Latency</h2>");
        html.Append(SvgChart.Render("Order latency each second", "ms", seconds,
        [
            new ChartSeries("p50", "#2563eb", [.. r.Timeline.Select(p => p.OrderP50Ms)]),
            new ChartSeries("p99", "#d97706", [.. r.Timeline.Select(p => p.OrderP99Ms)]),
            new ChartSeries("p99.9", "#dc2626", [.. r.Timeline.Select(p => p.OrderP999Ms)]),
        ], r.Events));
        html.Append(SvgChart.Render("Usage batch latency each second", "ms", seconds,
        [
            new ChartSeries("p50", "#0d9488", [.. r.Timeline.Select(p => p.UsageP50Ms)]),
            new ChartSeries("p99", "#d97706", [.. r.Timeline.Select(p => p.UsageP99Ms)]),
            new ChartSeries("p99.9", "#dc2626", [.. r.Timeline.Select(p => p.UsageP999Ms)]),
        ], r.Events));
        if (r.Timeline.Any(p => p.GatewayMegabytes is not null))
        {
            html.Append(SvgChart.Render("Gateway memory", "MB", seconds,
            [
                new ChartSeries("resident", "#7c3aed", [.. r.Timeline.Select(p => p.GatewayMegabytes is { } mb ? mb : double.NaN)]),
                new ChartSeries("managed heap after GC", "#0d9488", [.. r.Timeline.Select(p => p.GatewayHeapMegabytes is { } mb ? mb : double.NaN)]),
            ], r.Events));
        }

        html.Append("<h2>Checks</h2><table><tbody>");
        foreach (var check in r.Checks)
        {
            html.Append($"<tr><th>{HtmlEncode(check.Name)}</th><td><span class=\"verdict {(check.Held ? "ok" : "bad")}\">{(check.Held ? "held" : "FAILED")}</span></td><td>{HtmlEncode(check.Detail)}</td></tr>");
        }
        html.Append("</tbody></table>");
        if (r.Failures.Count > 0)
        {
            html.Append("<h2>Every difference found</h2><ul>");
            foreach (var failure in r.Failures.Take(500))
            {
                html.Append($"<li>{HtmlEncode(failure)}</li>");
            }
            html.Append(r.Failures.Count > 500 ? $"<li>… and {r.Failures.Count - 500} more (the JSON result has them all)</li></ul>" : "</ul>");
        }

        html.Append("<h2>Figures</h2><table><tbody>");
        void Row(string name, string value) => html.Append($"<tr><th>{HtmlEncode(name)}</th><td class=\"num\">{HtmlEncode(value)}</td></tr>");
        Row("orders", $"{N(r.OrdersPlaced)} placed, {N(r.OrdersRefused)} refused by rule, {N(r.OrdersCancelled)} cancelled, {N(r.OrderBatches)} batches");
        Row("order latency", r.OrderLatency.ToString());
        Row("usage records", $"{N(r.UsageRecordsAccepted)} accepted, {N(r.UsageRecordsRejected)} rejected");
        Row("usage batch latency", r.UsageBatchLatency.ToString());
        Row("balance and statement reads", N(r.Queries));
        Row("cut-off", r.CutOff.ToString());
        Row("compute", r.Compute.ToString());
        Row("settle", r.Settle.ToString());
        Row("errors", N(r.Errors));
        if (r.Kills > 0)
        {
            Row("chaos", r.ChaosText());
        }
        html.Append("</tbody></table>");

        if (r.Events.Count > 0)
        {
            html.Append("<h2>Events</h2><table><tbody>");
            foreach (var e in r.Events)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><th>{e.Second:0.0} s · {HtmlEncode(e.Kind)}</th><td>{HtmlEncode(e.What)}</td></tr>");
            }
            html.Append("</tbody></table>");
        }
        if (r.ErrorSamples.Count > 0)
        {
            html.Append("<h2>Error samples</h2><ul>");
            foreach (var sample in r.ErrorSamples)
            {
                html.Append($"<li>{HtmlEncode(sample)}</li>");
            }
            html.Append("</ul>");
        }
        html.Append("</main></body></html>");
        return html.ToString();
    }
}
