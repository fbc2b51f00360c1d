using System.Globalization;
using System.Text;
using ClearingCluster.Grains.Clearing;
using ClearingCluster.Interfaces.Clearing;

namespace ClearingCluster.Gateway.Apis;

/// <summary>
/// Reports and statements as CSV (RFC 4180: comma-separated, CRLF line ends, fields quoted when they hold a comma, quote
/// or line break), amounts in µ¥ as integers so a spreadsheet sums them exactly.
/// </summary>
public static class ClearingCsv
{
    public const string MediaType = "text/csv";

    public static bool Wanted(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals(MediaType, StringComparison.OrdinalIgnoreCase));

    /// <summary>The report's totals, then one row per participant's net.</summary>
    public static string Report(CycleView cycle)
    {
        var csv = new StringBuilder();
        Row(csv, "cycle", "status", "cut_at", "contracts", "used_units", "gross", "voucher_paid", "buyer_paid", "fees", "shares", "provider_received",
            "escrow_released", "netting_ratio_bp");
        var r = cycle.Report;
        Row(csv, cycle.Id, CycleStatuses.Wire(cycle.Status), cycle.CutAt?.ToString("O", CultureInfo.InvariantCulture) ?? "", N(r?.Contracts), N(r?.UsedUnits),
            N(r?.GrossMicros), N(r?.VoucherMicros), N(r?.BuyerMicros), N(r?.FeeMicros), N(r?.SharesMicros), N(r?.ProviderMicros), N(r?.EscrowReleasedMicros),
            N(r?.NettingRatioBasisPoints));
        csv.Append("\r\n");
        Row(csv, "participant", "pays", "receives", "net");
        foreach (var net in r?.Nets ?? [])
        {
            Row(csv, net.Participant, N(net.PaysMicros), N(net.ReceivesMicros), N(net.NetMicros));
        }
        return csv.ToString();
    }

    /// <summary>One row per record: the balances, each posting, each contract line, each adjustment.</summary>
    public static string Statement(Statement s)
    {
        var csv = new StringBuilder();
        Row(csv, "record", "id", "kind", "debit", "credit", "amount", "product", "buyer", "provider", "units", "price", "gross", "voucher", "buyer_paid",
            "fee", "shares", "provider_received", "escrow_released");
        if (s.Opening is { } o && s.Closing is { } c)
        {
            Row(csv, "opening", s.AccountId, "available", "", "", N(o.AvailableMicros));
            Row(csv, "opening", s.AccountId, "escrow", "", "", N(o.EscrowMicros));
            Row(csv, "opening", s.AccountId, "backing", "", "", N(o.BackingMicros));
            Row(csv, "closing", s.AccountId, "available", "", "", N(c.AvailableMicros));
            Row(csv, "closing", s.AccountId, "escrow", "", "", N(c.EscrowMicros));
            Row(csv, "closing", s.AccountId, "backing", "", "", N(c.BackingMicros));
        }
        foreach (var p in s.Postings)
        {
            Row(csv, "posting", p.TransferId, p.Kind, p.DebitAccount, p.CreditAccount, N(p.AmountMicros));
        }
        foreach (var l in s.Lines)
        {
            Row(csv, "contract", l.ContractId, "", "", "", "", l.Product, l.Buyer, l.Provider, N(l.Units), N(l.PriceMicros), N(l.GrossMicros), N(l.VoucherMicros),
                N(l.BuyerMicros), N(l.FeeMicros), string.Join(';', l.Shares.Select(x => $"{x.Intermediary}={N(x.Micros)}")), N(l.ProviderMicros),
                N(l.EscrowReleasedMicros));
        }
        foreach (var a in s.Adjustments)
        {
            Row(csv, "adjustment", a.Id, a.Reason, a.From + ":available", a.To + ":available", N(a.AmountMicros));
        }
        return csv.ToString();
    }

    private static string N(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";

    private static void Row(StringBuilder csv, params string[] fields)
    {
        csv.AppendJoin(',', fields.Select(Field));
        csv.Append("\r\n");
    }

    private static string Field(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
