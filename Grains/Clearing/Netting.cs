using ClearingCluster.Grains.Accounts;

namespace ClearingCluster.Grains.Clearing;

/// <summary>
/// Multilateral netting of a cycle's postings: per participant, what it pays to and receives from others (moves between
/// its own sub-accounts, such as escrow back to available, are not obligations). Nets sum to zero.
/// </summary>
public static class Netting
{
    public static IReadOnlyList<ParticipantNet> Nets(IEnumerable<Posting> postings)
    {
        var pays = new Dictionary<string, long>(StringComparer.Ordinal);
        var receives = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var p in postings)
        {
            // A leg through the clearing account is one side of a move between two participants.
            if (p.DebitAccount == SettlementPlan.ClearingAccount || p.CreditAccount == SettlementPlan.ClearingAccount)
            {
                var (book, party) = p.DebitAccount == SettlementPlan.ClearingAccount ? (receives, OwnerOf(p.CreditAccount)) : (pays, OwnerOf(p.DebitAccount));
                book[party] = checked(book.GetValueOrDefault(party) + p.AmountMicros);
                continue;
            }
            var (from, to) = (OwnerOf(p.DebitAccount), OwnerOf(p.CreditAccount));
            if (from == to)
            {
                continue;
            }
            pays[from] = checked(pays.GetValueOrDefault(from) + p.AmountMicros);
            receives[to] = checked(receives.GetValueOrDefault(to) + p.AmountMicros);
        }
        return [.. pays.Keys.Union(receives.Keys).Order(StringComparer.Ordinal)
            .Select(id => new ParticipantNet(id, pays.GetValueOrDefault(id), receives.GetValueOrDefault(id)))];
    }

    /// <summary><c>⌊10,000 × Σ|net| ÷ Σ(pays + receives)⌋</c>: 10,000 when netting removes nothing, lower the more it offsets.</summary>
    public static long RatioBasisPoints(IReadOnlyList<ParticipantNet> nets)
    {
        var gross = nets.Sum(n => checked(n.PaysMicros + n.ReceivesMicros));
        var net = nets.Sum(n => Math.Abs(n.NetMicros));
        return gross == 0 ? 0 : (long)((Int128)net * ClearingCompute.BasisPointsWhole / gross);
    }

    /// <summary>The participant a sub-account belongs to: <c>acme:escrow</c> → <c>acme</c>.</summary>
    public static string OwnerOf(string subAccount) => subAccount[..subAccount.LastIndexOf(':')];
}
