using System.Diagnostics;
using ClearingCluster.Grains.Accounts;
using ClearingCluster.Interfaces.Accounts;

namespace ClearingCluster.Grains.Clearing;

/// <summary>
/// What settling a cycle writes: its per-contract postings summed per kind and sub-account, every move between two
/// participants passing through the cycle's clearing account (the exchange as central counterparty: each member
/// settles with it, not with each other), and one delta per account. The clearing account's postings sum to zero.
/// Transfer ids are <c>&lt;cycle&gt;/&lt;kind&gt;/&lt;debit&gt;&gt;&lt;credit&gt;</c>: settling the same cycle twice meets the same ids.
/// </summary>
public sealed record SettlementPlan(string CycleId, IReadOnlyList<Posting> Postings, IReadOnlyList<AccountDelta> Deltas)
{
    /// <summary>The central counterparty's account for a cycle: every cross-participant move goes in and out of it.</summary>
    public const string ClearingAccount = "clearing:settlement";

    public static SettlementPlan Of(string cycleId, IEnumerable<Posting> postings)
    {
        var sums = new Dictionary<(string Kind, string Debit, string Credit), long>();
        void Sum(string kind, string debit, string credit, long amount) =>
            sums[(kind, debit, credit)] = checked(sums.GetValueOrDefault((kind, debit, credit)) + amount);

        foreach (var p in postings)
        {
            Debug.Assert(p.AmountMicros > 0, "postings move money");
            if (Netting.OwnerOf(p.DebitAccount) == Netting.OwnerOf(p.CreditAccount))
            {
                Sum(p.Kind, p.DebitAccount, p.CreditAccount, p.AmountMicros);
            }
            else
            {
                Sum(p.Kind, p.DebitAccount, ClearingAccount, p.AmountMicros);
                Sum(p.Kind, ClearingAccount, p.CreditAccount, p.AmountMicros);
            }
        }

        var aggregated = sums.Select(s => new Posting($"{cycleId}/{s.Key.Kind}/{s.Key.Debit}>{s.Key.Credit}", s.Key.Debit, s.Key.Credit, s.Value, s.Key.Kind, cycleId))
            .OrderBy(p => p.TransferId, StringComparer.Ordinal).ToList();
        return new SettlementPlan(cycleId, aggregated, DeltasOf(cycleId, aggregated));
    }

    /// <summary>Each account's change from aggregated postings; throws unless the clearing account ends at zero.</summary>
    public static IReadOnlyList<AccountDelta> DeltasOf(string cycleId, IEnumerable<Posting> aggregated)
    {
        var deltas = new SortedDictionary<string, AccountDelta>(StringComparer.Ordinal);
        long clearing = 0;
        foreach (var p in aggregated)
        {
            clearing += Move(deltas, p.DebitAccount, -p.AmountMicros) + Move(deltas, p.CreditAccount, p.AmountMicros);
        }
        if (clearing != 0)
        {
            throw new InvalidOperationException($"cycle {cycleId}: the clearing account ends at {clearing} µ¥, not zero");
        }
        return [.. deltas.Values.Where(d => !d.IsZero)];
    }

    /// <summary>The participant a posting is booked to: the side that is not the clearing account.</summary>
    public static string PartyOf(Posting posting) =>
        Netting.OwnerOf(posting.DebitAccount == ClearingAccount ? posting.CreditAccount : posting.DebitAccount);

    /// <summary>Applies one leg to its account's delta; returns the amount when the leg is the clearing account's.</summary>
    private static long Move(SortedDictionary<string, AccountDelta> deltas, string subAccount, long amount)
    {
        if (subAccount == ClearingAccount)
        {
            return amount;
        }
        var owner = Netting.OwnerOf(subAccount);
        var kind = subAccount[(owner.Length + 1)..];
        var delta = kind switch
        {
            "available" => new AccountDelta(owner, amount, 0, 0),
            "escrow" => new AccountDelta(owner, 0, 0, amount),
            "backing" => new AccountDelta(owner, 0, 0, 0, amount),
            _ => throw new InvalidOperationException($"settlement moves no money on {subAccount}"),
        };
        deltas[owner] = deltas.TryGetValue(owner, out var sum) ? sum.Plus(delta) : delta;
        return 0;
    }
}
