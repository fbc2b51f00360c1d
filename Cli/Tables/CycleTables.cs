using ClearingCluster.Wire;
using Spectre.Console;

namespace ClearingCluster.Cli.Tables;

/// <summary>A cycle's identity and progress, and the list of cycles.</summary>
internal static class CycleTables
{
    public static Table Summary(CycleResponse cycle)
    {
        var table = Cells.Record($"Cycle {cycle.CycleId}")
            .Row("status", cycle.Status)
            .Row("number", Figures.Count(cycle.Number))
            .Row("opened at", Figures.Time(cycle.OpenedAt))
            .Row("cut at", Figures.Time(cycle.CutAt));
        if (cycle.LedgerSeq is { } seq)
        {
            table.Row("ledger entry", $"#{Figures.Count(seq)}");
        }
        if (cycle.UsageArchive is { } archive)
        {
            table.Row("usage archived", $"{Figures.Count(archive.Records)} records in {Figures.Count(archive.Rows)} rows, {Figures.Count(archive.Bytes)} bytes")
                .Row("archive file", archive.File)
                .Row("archive sha-256", archive.Sha256);
        }
        if (cycle.Failure is { } failure)
        {
            table.AddRow(new Text("failure"), new Text(failure, new Style(Color.Red)));
        }
        return table;
    }

    /// <summary>Each step the cycle went through (cut-off, compute, settle, …) and how long it took.</summary>
    public static Table Steps(CycleResponse cycle)
    {
        var table = Cells.Titled($"Steps of {cycle.CycleId}").Label("step").Label("at").Figure("duration").Label("detail");
        foreach (var step in cycle.Steps)
        {
            table.Row(step.Name, Figures.Time(step.At), Figures.Milliseconds(step.DurationMs), step.Detail ?? "");
        }
        return table;
    }

    public static Table List(IReadOnlyList<CycleResponse> cycles)
    {
        var table = Cells.Titled("Clearing cycles, newest first").Label("cycle").Figure("#").Label("status").Label("opened at").Label("cut at")
            .Figure("contracts").Figure("gross").Figure("netting ratio").Figure("ledger entry");
        foreach (var cycle in cycles)
        {
            var report = cycle.Report;
            table.Row(cycle.CycleId, Figures.Count(cycle.Number), cycle.Status, Figures.Time(cycle.OpenedAt), Figures.Time(cycle.CutAt),
                report is null ? "–" : Figures.Count(report.Contracts), report is null ? "–" : Money.Format(report.Gross),
                report is null ? "–" : Figures.Percentage(report.NettingRatioBasisPoints), cycle.LedgerSeq is { } seq ? $"#{Figures.Count(seq)}" : "–");
        }
        return table;
    }
}
