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
/// Moves are summed by the identity of their strings (a cycle's reader hands the same party the same string, so a
/// million moves cost a million reference hashes, not string hashes), then by their content when the plan is built.
/// </summary>
internal sealed class PlanBuilder(string cycleId)
{
    private readonly Dictionary<Leg, long> sums = new(LegIdentity.Instance);

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
        var byContent = new Dictionary<Leg, long>();
        foreach (var (leg, amount) in sums)
        {
            byContent[leg] = checked(byContent.GetValueOrDefault(leg) + amount);
        }
        var postings = byContent.Select(s =>
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

    private void Sum(Leg key, long amount)
    {
        ref var sum = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(sums, key, out _);
        sum = checked(sum + amount);
    }

    private readonly record struct Leg(string Kind, string DebitOwner, SubAccount DebitSub, string CreditOwner, SubAccount CreditSub)
    {
        public static implicit operator Leg((string, string, SubAccount, string, SubAccount) t) => new(t.Item1, t.Item2, t.Item3, t.Item4, t.Item5);
    }

    /// <summary>Legs equal when their strings are the same objects: equal content in two objects only makes two sums, merged in <see cref="Build"/>.</summary>
    private sealed class LegIdentity : IEqualityComparer<Leg>
    {
        public static readonly LegIdentity Instance = new();

        public bool Equals(Leg x, Leg y) =>
            ReferenceEquals(x.Kind, y.Kind) && ReferenceEquals(x.DebitOwner, y.DebitOwner) && ReferenceEquals(x.CreditOwner, y.CreditOwner)
            && x.DebitSub == y.DebitSub && x.CreditSub == y.CreditSub;

        public int GetHashCode(Leg leg) => HashCode.Combine(
            System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(leg.Kind), System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(leg.DebitOwner),
            System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(leg.CreditOwner), leg.DebitSub, leg.CreditSub);
    }
}
