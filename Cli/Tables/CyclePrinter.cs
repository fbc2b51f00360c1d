using ClearingCluster.Wire;
using Spectre.Console;

namespace ClearingCluster.Cli.Tables;

/// <summary>A cycle the way compute, settle and show print it: where it stands, its report and nets once computed, its steps.</summary>
internal static class CyclePrinter
{
    public static void Print(IAnsiConsole console, CycleResponse cycle)
    {
        console.Write(CycleTables.Summary(cycle));
        if (cycle.Report is { } report)
        {
            console.Write(ReportTables.Totals(cycle.CycleId, report));
            console.Write(ReportTables.Nets(cycle.CycleId, report));
        }
        if (cycle.Steps.Count > 0)
        {
            console.Write(CycleTables.Steps(cycle));
        }
    }
}
