using System.Globalization;
using Spectre.Console;

namespace ClearingCluster.Load.Simulator;

/// <summary>The end of a run as a person reads it: what it did, how fast, how long each cycle step took, and every check.</summary>
public static class SimulationSummary
{
    /// <summary>Plain text for a file, a pipe or a test: no colour, and wide enough that no line of figures wraps.</summary>
    public static void Write(SimulationResult r, TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No, Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 200;
        Write(r, console);
    }

    public static void Write(SimulationResult r, IAnsiConsole console)
    {
        string N(double value) => value.ToString("N0", CultureInfo.InvariantCulture);
        string Ms(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);

        var figures = new Table().Border(TableBorder.Rounded).HideHeaders()
            .Title($"simulator {Markup.Escape(r.Profile)} {Markup.Escape(r.RunId)}: {Ms(r.Seconds)} s, {Markup.Escape(r.Load)}")
            .AddColumn("").AddColumn("");
        figures.AddRow("world", Markup.Escape(r.World));
        figures.AddRow("orders", $"{N(r.OrdersPerSecond)}/s: {N(r.OrdersPlaced)} placed, {N(r.OrdersRefused)} refused by rule, {N(r.OrdersCancelled)} cancelled, "
            + $"{N(r.OrderBatches)} batches");
        figures.AddRow("order latency", r.OrderLatency.ToString());
        figures.AddRow("usage records", $"{N(r.UsageRecordsPerSecond)}/s: {N(r.UsageRecordsAccepted)} accepted, {N(r.UsageRecordsRejected)} rejected");
        figures.AddRow("usage batch latency", r.UsageBatchLatency.ToString());
        figures.AddRow("balance and statement reads", N(r.Queries));
        figures.AddRow("cycles", $"{r.CutOffs} cut off and settled; cut-off {r.CutOff}; compute {r.Compute}; settle {r.Settle}");
        figures.AddRow("errors", r.Errors == 0 ? "0" : $"[red]{r.Errors}[/]");
        if (r.Kills > 0)
        {
            figures.AddRow("chaos", Markup.Escape(r.ChaosText()));
        }
        console.Write(figures);

        var checks = new Table().Border(TableBorder.Rounded).AddColumn("check").AddColumn("").AddColumn("found");
        foreach (var check in r.Checks)
        {
            checks.AddRow(check.Name, check.Held ? "[green]held[/]" : "[red]FAILED[/]", Markup.Escape(check.Detail));
        }
        console.Write(checks);
        foreach (var sample in r.ErrorSamples)
        {
            console.MarkupLine($"error: {Markup.Escape(sample)}");
        }
        foreach (var failure in r.Failures)
        {
            console.MarkupLine($"[red]FAILED[/] {Markup.Escape(failure)}");
        }
        console.MarkupLine(r.Ok ? "[green]every check held[/]" : $"[red]{r.Failures.Count} checks failed, {r.Errors} errors[/]");
    }
}
