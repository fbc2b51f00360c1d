using ClearingCluster.Grains.Accounts;
using ClearingCluster.Grains.Clearing;

namespace ClearingCluster.Grains.Tests.Clearing;

/// <summary>What settlement writes (postings summed through the clearing account, one delta per account) against what the computation decided.</summary>
public sealed class SettlementPlanPropertyTests
{
    private static void Holds(Func<ClearingScenario, bool> property) => ClearingScenario.Holds(property, 20261130);

    [Fact]
    public void Summed_postings_move_every_sub_account_exactly_as_the_contracts_postings_do_and_the_clearing_account_ends_at_zero() => Holds(s =>
    {
        var computation = ClearingCompute.Compute(s.Input);
        var plan = SettlementPlan.Of(s.Input.CycleId, computation.Postings);
        var byContract = ClearingScenario.Apply(new Dictionary<string, long>(), computation.Postings);
        var bySummary = ClearingScenario.Apply(new Dictionary<string, long>(), plan.Postings);
        bySummary.Remove(SettlementPlan.ClearingAccount, out var clearing);
        return clearing == 0
            && byContract.Where(e => e.Value != 0).OrderBy(e => e.Key).SequenceEqual(bySummary.Where(e => e.Value != 0).OrderBy(e => e.Key))
            && plan.Postings.All(p => p.AmountMicros > 0 && p.DebitAccount != p.CreditAccount)
            && plan.Postings.Select(p => p.TransferId).Distinct().Count() == plan.Postings.Count;
    });

    [Fact]
    public void The_plan_summed_while_computing_is_the_plan_of_the_contracts_postings_and_needs_no_postings_listed() => Holds(s =>
    {
        var listed = ClearingCompute.Compute(s.Input);
        var unlisted = ClearingCompute.Compute(s.Input, contractPostings: false);
        var fromPostings = SettlementPlan.Of(s.Input.CycleId, listed.Postings);
        return listed.Plan.Postings.SequenceEqual(fromPostings.Postings) && listed.Plan.Deltas.SequenceEqual(fromPostings.Deltas)
            && unlisted.Postings.Count == 0 && unlisted.Plan.Postings.SequenceEqual(fromPostings.Postings)
            && unlisted.Nets.SequenceEqual(Netting.Nets(listed.Postings)) && unlisted.NettingRatioBasisPoints == listed.NettingRatioBasisPoints;
    });

    [Fact]
    public void Deltas_sum_to_zero_leave_no_account_negative_and_are_what_the_summed_postings_say() => Holds(s =>
    {
        var computation = ClearingCompute.Compute(s.Input);
        var plan = SettlementPlan.Of(s.Input.CycleId, computation.Postings);
        var closing = ClearingScenario.Apply(s.Opening, computation.Postings);
        return plan.Deltas.Sum(d => d.TotalMicros) == 0
            && plan.Deltas.All(d => d.HeldMicros == 0)
            && plan.Deltas.All(d =>
                s.Opening.GetValueOrDefault(Posting.Available(d.AccountId)) + d.AvailableMicros == closing.GetValueOrDefault(Posting.Available(d.AccountId))
                && s.Opening.GetValueOrDefault(Posting.Escrow(d.AccountId)) + d.EscrowMicros == closing.GetValueOrDefault(Posting.Escrow(d.AccountId))
                && s.Opening.GetValueOrDefault(Posting.Backing(d.AccountId)) + d.BackingMicros == closing.GetValueOrDefault(Posting.Backing(d.AccountId)))
            && SettlementPlan.DeltasOf(s.Input.CycleId, plan.Postings).SequenceEqual(plan.Deltas);
    });

    [Fact]
    public void The_same_cycle_plans_the_same_postings_and_hashes_twice() => Holds(s =>
    {
        var first = SettlementPlan.Of(s.Input.CycleId, ClearingCompute.Compute(s.Input).Postings);
        var again = SettlementPlan.Of(s.Input.CycleId, ClearingCompute.Compute(s.Input).Postings);
        return first.Postings.SequenceEqual(again.Postings) && CycleHashes.Postings(first.Postings) == CycleHashes.Postings(again.Postings);
    });

    [Fact]
    public void Adjustments_move_available_money_once_and_appear_in_the_plan()
    {
        var input = new CycleInput("c9", ClearingScenario.CycleEnd, [], [], new Dictionary<string, int>(), 300, new Dictionary<string, IReadOnlyList<RevenueShare>>(),
            [new ClearingAdjustment("a1", "c8", "prov", "buyer", 500, "disputed call", "K-x-1")]);
        var plan = SettlementPlan.Of("c9", ClearingCompute.Compute(input).Postings);
        Assert.Equal([new Interfaces.Accounts.AccountDelta("buyer", 500, 0, 0), new Interfaces.Accounts.AccountDelta("prov", -500, 0, 0)], plan.Deltas);
        Assert.All(plan.Postings, p => Assert.Equal("adjustment", p.Kind));
        Assert.Throws<Interfaces.DomainException>(() => ClearingCompute.Compute(input with
        {
            Adjustments = [new ClearingAdjustment("a1", "c8", "prov", "prov", 500, "to itself", null)],
        }));
    }
}
