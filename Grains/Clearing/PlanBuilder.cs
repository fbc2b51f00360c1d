using ClearingCluster.Grains.Accounts;

namespace ClearingCluster.Grains.Clearing;

/// <summary>The sub-accounts settlement moves money between.</summary>
public enum SubAccount : byte
{
    Available,
    Escrow,
    Backing,
}

/// <summary>
/// Sums a cycle's moves into its <see cref="SettlementPlan"/> as they are decided, with no posting or string made per
/// move: a move between two participants becomes two legs through the clearing account, a move inside one stays one
/// leg. Makes the same plan as <see cref="SettlementPlan.Of"/> over the per-contract postings (a property test).
/// </summary>
internal sealed class PlanBuilder(string cycleId)
{
    private readonly Dictionary<(string Kind, string DebitOwner, SubAccount DebitSub, string CreditOwner, SubAccount CreditSub), long> sums = [];

    public void Move(string kind, string debitOwner, SubAccount debitSub, string creditOwner, SubAccount creditSub, long amountMicros)
    {
        if (amountMicros <= 0)
        {
            return;
        }
        if (debitOwner == creditOwner)
        {
            Sum((kind, debitOwner, debitSub, creditOwner, creditSub), amountMicros);
        }
        else
        {
            Sum((kind, debitOwner, debitSub, SettlementPlan.ClearingAccount, SubAccount.Available), amountMicros);
            Sum((kind, SettlementPlan.ClearingAccount, SubAccount.Available, creditOwner, creditSub), amountMicros);
        }
    }

    public SettlementPlan Build()
    {
        var postings = sums.Select(s =>
        {
            var debit = Name(s.Key.DebitOwner, s.Key.DebitSub);
            var credit = Name(s.Key.CreditOwner, s.Key.CreditSub);
            return new Posting($"{cycleId}/{s.Key.Kind}/{debit}>{credit}", debit, credit, s.Value, s.Key.Kind, cycleId);
        }).OrderBy(p => p.TransferId, StringComparer.Ordinal).ToList();
        return new SettlementPlan(cycleId, postings, SettlementPlan.DeltasOf(cycleId, postings));
    }

    public static string Name(string owner, SubAccount sub) =>
        owner == SettlementPlan.ClearingAccount ? owner
        : sub switch
        {
            SubAccount.Available => Posting.Available(owner),
            SubAccount.Escrow => Posting.Escrow(owner),
            _ => Posting.Backing(owner),
        };

    private void Sum((string, string, SubAccount, string, SubAccount) key, long amount) =>
        sums[key] = checked(sums.GetValueOrDefault(key) + amount);
}
