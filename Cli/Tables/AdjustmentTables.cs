using ClearingCluster.Wire;
using Spectre.Console;

namespace ClearingCluster.Cli.Tables;

/// <summary>Corrections against settled cycles.</summary>
internal static class AdjustmentTables
{
    public static Table List(string title, IReadOnlyList<AdjustmentResponse> adjustments)
    {
        var table = Cells.Titled(title).Label("id").Label("against").Label("posted in").Label("from").Label("to").Figure("amount").Label("reason")
            .Label("contract").Label("recorded by").Label("at");
        foreach (var a in adjustments)
        {
            table.Row(a.Id, a.AgainstCycle, a.PostedIn, a.From, a.To, Money.Format(a.Amount), a.Reason, a.Contract ?? "–", a.RecordedBy, Figures.Time(a.At));
        }
        return table;
    }
}
