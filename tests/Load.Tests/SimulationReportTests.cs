using ClearingCluster.Load.Simulator;

namespace ClearingCluster.Load.Tests;

/// <summary>The run's HTML report and summary: self-contained, charts of every second, hostile text escaped, the verdict and every check shown.</summary>
public sealed class SimulationReportTests
{
    private static SimulationResult Result(IReadOnlyList<string> failures, IReadOnlyList<CheckOutcome> checks) => new()
    {
        Profile = "peak", RunId = "sim1234", StartedAt = new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero), Seconds = 3, Load = "orders closed loop",
        World = "4 providers", OrdersPlaced = 9_000, OrdersRefused = 10, OrdersCancelled = 5, OrderBatches = 3, OrdersPerSecond = 3_003,
        UsageRecordsAccepted = 600_000, UsageRecordsRejected = 0, UsageRecordsPerSecond = 200_000, Queries = 40, CutOffs = 2, Errors = 0, ErrorSamples = [],
        OrderLatency = new LatencySummary(9_010, 1.5, 3, 8, 20, 31), UsageBatchLatency = new LatencySummary(600, 4, 9, 15, 30, 31),
        CutOff = new DurationSummary(2, 40, 50), Compute = new DurationSummary(2, 100, 120), Settle = new DurationSummary(2, 80, 90), Checks = checks,
        Failures = failures,
        Timeline =
        [
            new TimelinePoint(1, 2_900, 190_000, 0, 1.4, 7, 19, 4, 14, 29, 300, 120),
            new TimelinePoint(2, 3_100, 210_000, 0, 1.6, 9, 21, 4, 16, 31, 302, 121),
            new TimelinePoint(3, 3_000, 200_000, 0, 1.5, 8, 20, 4, 15, 30, 301, 119),
        ],
        Events = [new SimulationEvent(1.5, "cut-off", "c2 cut off in 40 ms"), new SimulationEvent(2.5, "kill", "1/1: SIGKILL <script>")],
        Kills = 1,
    };

    [Fact]
    public void A_passing_run_is_one_page_with_its_verdict_charts_of_every_second_and_every_check()
    {
        var html = SimulationHtmlReport.Render(Result([], [new CheckOutcome("usage", true, "128 contracts used exactly the 1 units acknowledged")]));

        Assert.StartsWith("<!doctype html>", html, StringComparison.Ordinal);
        Assert.Contains("every check held", html, StringComparison.Ordinal);
        Assert.Equal(5, html.Split("<svg ").Length - 1);
        // A point for each second in every series: 10 series (2 rates, 6 percentiles, 2 of memory) of 3 points.
        Assert.Equal(10, System.Text.RegularExpressions.Regex.Count(html, "<polyline points=\"[0-9.]+,[0-9.]+ [0-9.]+,[0-9.]+ [0-9.]+,[0-9.]+\""));
        Assert.Contains("class=\"event kill\"", html, StringComparison.Ordinal);
        Assert.Contains("128 contracts used exactly", html, StringComparison.Ordinal);
        // Self-contained: nothing fetched, nothing run.
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failing_run_shows_its_failures_escaped()
    {
        var html = SimulationHtmlReport.Render(Result(["usage: contract <b>x</b> used 3 units, the simulator had 2 acknowledged"],
            [new CheckOutcome("usage", false, "usage: contract <b>x</b> used 3 units, the simulator had 2 acknowledged")]));

        Assert.Contains("1 checks failed", html, StringComparison.Ordinal);
        Assert.Contains("FAILED", html, StringComparison.Ordinal);
        Assert.Contains("contract &lt;b&gt;x&lt;/b&gt; used 3 units", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>x</b>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void The_summary_table_gives_rates_percentiles_cycle_steps_the_chaos_sums_and_each_check()
    {
        using var writer = new StringWriter();
        SimulationSummary.Write(Result([], [new CheckOutcome("ledger", true, "12 entries verify")]), writer);
        var text = writer.ToString();

        Assert.Contains("3,003/s", text, StringComparison.Ordinal);
        Assert.Contains("p99.9 20.0", text, StringComparison.Ordinal);
        Assert.Contains("settle median 80.0 ms", text, StringComparison.Ordinal);
        Assert.Contains("1 kills; in doubt: 0 requests repeated by the client", text, StringComparison.Ordinal);
        Assert.Contains("12 entries verify", text, StringComparison.Ordinal);
        Assert.Contains("every check held", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_report_is_made_again_from_the_JSON_result_a_run_wrote()
    {
        var directory = Directory.CreateTempSubdirectory("simulator-report");
        try
        {
            var json = Path.Combine(directory.FullName, "result.json");
            var html = Path.Combine(directory.FullName, "report.html");
            await File.WriteAllTextAsync(json, SimulationRun.Json(Result([], [new CheckOutcome("ledger", true, "12 entries verify")])));

            Assert.Equal(0, await SimulatorCommand.ReportAsync(["--from", json, "--html", html]));

            var page = await File.ReadAllTextAsync(html);
            Assert.Contains("12 entries verify", page, StringComparison.Ordinal);
            Assert.Contains("3,003/s", page, StringComparison.Ordinal);
            await File.WriteAllTextAsync(json, "{ not json");
            Assert.Equal(2, await SimulatorCommand.ReportAsync(["--from", json, "--html", html]));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_second_without_a_reading_breaks_the_line_instead_of_dropping_it_to_zero()
    {
        var svg = SvgChart.Render("memory", "MB", [1, 2, 3, 4], [new ChartSeries("resident", "#000", [100, double.NaN, 120, 130])], []);

        Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(svg, "<polyline "));
        Assert.DoesNotContain("NaN", svg, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(0.3, 0.5)]
    [InlineData(7, 10)]
    [InlineData(10, 10)]
    [InlineData(11, 20)]
    [InlineData(180_000, 200_000)]
    [InlineData(210_000, 500_000)]
    public void A_chart_axis_ends_at_one_two_or_five_times_a_power_of_ten(double largest, double axis) => Assert.Equal(axis, SvgChart.RoundUp(largest));
}
