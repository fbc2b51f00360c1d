using ClearingCluster.Wire;
using Spectre.Console;

namespace ClearingCluster.Cli.Tables;

/// <summary>An account's statement for a settled cycle: balances around the settlement, its postings, its contracts' lines.</summary>
internal static class StatementTables
{
    public static Table Balances(StatementResponse statement)
    {
        var table = Cells.Titled($"Balances of {statement.AccountId} around the settlement of {statement.CycleId}").Label("")
            .Figure("available").Figure("held").Figure("escrow").Figure("backing");
        foreach (var (name, balances) in new[] { ("opening", statement.Opening), ("closing", statement.Closing) })
        {
            if (balances is { } b)
            {
                table.Row(name, Money.Format(b.Available), Money.Format(b.Held), Money.Format(b.Escrow), Money.Format(b.Backing));
            }
        }
        return table;
    }

    public static Table Postings(StatementResponse statement)
    {
        var table = Cells.Titled("Postings").Label("transfer").Label("kind").Label("debit").Label("credit").Figure("amount");
        foreach (var p in statement.Postings)
        {
            table.Row(p.TransferId, p.Kind, p.DebitAccount, p.CreditAccount, Money.Format(p.Amount));
        }
        return table;
    }

    public static Table Lines(StatementResponse statement)
    {
        var table = Cells.Titled("Contracts").Label("contract").Label("product").Label("buyer").Label("provider").Figure("units").Figure("price")
            .Figure("gross").Figure("voucher").Figure("buyer paid").Figure("fee").Label("shares").Figure("provider received").Figure("escrow released");
        foreach (var l in statement.Lines)
        {
            table.Row(l.ContractId, l.Product, l.Buyer, l.Provider, Figures.Count(l.Units), Money.Format(l.Price), Money.Format(l.Gross),
                Money.Format(l.Voucher), Money.Format(l.BuyerPaid), Money.Format(l.Fee),
                l.Shares.Count == 0 ? "–" : string.Join(", ", l.Shares.Select(s => $"{s.Intermediary} {Money.Format(s.Amount)}")),
                Money.Format(l.ProviderReceived), Money.Format(l.EscrowReleased));
        }
        return table;
    }
}
