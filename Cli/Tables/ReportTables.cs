using ClearingCluster.Wire;
using Spectre.Console;

namespace ClearingCluster.Cli.Tables;

/// <summary>A computed cycle's report: its totals, and each participant's net.</summary>
internal static class ReportTables
{
    public static Table Totals(string cycleId, CycleReportResponse report) =>
        Cells.Record($"Report of {cycleId}")
            .Row("contracts", Figures.Count(report.Contracts))
            .Row("used units", Figures.Count(report.UsedUnits))
            .Row("gross", Money.Format(report.Gross))
            .Row("voucher paid", Money.Format(report.VoucherPaid))
            .Row("buyer paid", Money.Format(report.BuyerPaid))
            .Row("fees", Money.Format(report.Fees))
            .Row("shares", Money.Format(report.Shares))
            .Row("provider received", Money.Format(report.ProviderReceived))
            .Row("escrow released", Money.Format(report.EscrowReleased))
            .Row("voucher expired", Money.Format(report.VoucherExpired))
            .Row("adjustments", Money.Format(report.Adjustments))
            .Row("postings", Figures.Count(report.Postings))
            .Row("netting ratio", Figures.Percentage(report.NettingRatioBasisPoints))
            .Row("usage hash", report.UsageHash)
            .Row("postings hash", report.PostingsHash);

    /// <summary>What each participant pays to and receives from the others; the nets sum to zero.</summary>
    public static Table Nets(string cycleId, CycleReportResponse report)
    {
        var table = Cells.Titled($"Nets of {cycleId}").Label("participant").Figure("pays").Figure("receives").Figure("net");
        foreach (var net in report.Nets)
        {
            table.Row(net.Participant, Money.Format(net.Pays), Money.Format(net.Receives), Money.Format(net.Net));
        }
        return table;
    }
}
