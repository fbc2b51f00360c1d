using System.Text.Json;
using ClearingCluster.Grains.Accounts;
using ClearingCluster.Grains.Clearing;

namespace ClearingCluster.Grains.Tests.Clearing;

/// <summary>The cycle's computation over random contracts, usage, vouchers and schedules: the invariants settlement relies on.</summary>
public sealed class ClearingComputePropertyTests
{
    private static void Holds(Func<ClearingScenario, bool> property) => ClearingScenario.Holds(property, 20261129);

    [Fact]
    public void Postings_balance_nets_sum_to_zero_and_no_money_is_created_lost_or_overdrawn() => Holds(s =>
    {
        var result = ClearingCompute.Compute(s.Input);
        var closing = ClearingScenario.Apply(s.Opening, result.Postings);
        return result.Postings.All(p => p.AmountMicros > 0 && p.DebitAccount != p.CreditAccount)
            && result.Postings.Select(p => p.TransferId).Distinct().Count() == result.Postings.Count
            && result.Nets.Sum(n => n.NetMicros) == 0
            && closing.Values.Sum() == s.Opening.Values.Sum()
            && closing.Values.All(v => v >= 0)
            && result.NettingRatioBasisPoints is >= 0 and <= ClearingCompute.BasisPointsWhole;
    });

    [Fact]
    public void A_buyer_pays_exactly_used_times_price_less_what_vouchers_paid_and_providers_get_gross_less_fees_and_shares() => Holds(s =>
    {
        var result = ClearingCompute.Compute(s.Input);
        var byId = s.Input.Contracts.ToDictionary(c => c.Id);
        return result.Contracts.All(r =>
        {
            var c = byId[r.ContractId];
            return r.GrossMicros == r.UsedUnits * c.PriceMicros
                && r.BuyerMicros == r.GrossMicros - r.VoucherMicros && r.BuyerMicros >= 0
                && r.ProviderMicros == r.GrossMicros - r.FeeMicros - r.SharesMicros && r.ProviderMicros >= 0
                && r.EscrowReleasedMicros == (c.ValidTo <= s.Input.CycleEnd ? c.EscrowMicros - r.GrossMicros : 0);
        }) && s.Input.Contracts.GroupBy(c => c.Buyer).All(buyer =>
        {
            // What leaves the buyer altogether (escrow down, available up by refunds) is exactly its cash part.
            var closing = ClearingScenario.Apply(s.Opening, result.Postings);
            var total = closing.GetValueOrDefault(Posting.Available(buyer.Key)) + closing.GetValueOrDefault(Posting.Escrow(buyer.Key))
                - s.Opening.GetValueOrDefault(Posting.Available(buyer.Key)) - s.Opening.GetValueOrDefault(Posting.Escrow(buyer.Key));
            return total == -result.Contracts.Where(r => byId[r.ContractId].Buyer == buyer.Key).Sum(r => r.BuyerMicros);
        });
    });

    [Fact]
    public void Vouchers_never_exceed_what_is_left_nor_apply_outside_their_holder_categories_or_time() => Holds(s =>
    {
        var result = ClearingCompute.Compute(s.Input);
        var vouchers = s.Input.Vouchers.ToDictionary(v => v.Id);
        var contracts = s.Input.Contracts.ToDictionary(c => c.Id);
        return result.VoucherUse.All(u => u.Value > 0 && u.Value <= vouchers[u.Key].RemainingMicros)
            && result.Postings.Where(p => p.Kind == "voucher_redemption").All(p =>
            {
                var voucher = vouchers[p.TransferId[(p.TransferId.LastIndexOf('/') + 1)..]];
                var contract = contracts[p.Reference];
                return voucher.Holder == contract.Buyer && voucher.Categories.Contains(contract.Category) && voucher.Expires >= s.Input.CycleEnd
                    && p.DebitAccount == Posting.Backing(voucher.Issuer);
            });
    });

    [Fact]
    public void Computing_twice_gives_identical_results() => Holds(s =>
        JsonSerializer.Serialize(ClearingCompute.Compute(s.Input)) == JsonSerializer.Serialize(ClearingCompute.Compute(s.Input)));

    [Fact]
    public void Usage_split_across_two_cycles_pays_providers_and_costs_buyers_the_same_in_total() => Holds(s =>
    {
        // The contracts run past both cycles here, so no escrow is released between them.
        var input = s.Input with { Contracts = [.. s.Input.Contracts.Select(c => c with { ValidTo = ClearingScenario.CycleEnd.AddDays(30) })] };
        var whole = ClearingCompute.Compute(input);
        var random = new Random(input.Contracts.Count);
        var firstUse = input.Contracts.ToDictionary(c => c.Id, c => (long)random.Next(0, (int)c.UsedUnits + 1));
        var first = ClearingCompute.Compute(input with
        {
            Contracts = [.. input.Contracts.Select(c => c with { UsedUnits = firstUse[c.Id] })],
        });
        var firstGross = first.Contracts.ToDictionary(r => r.ContractId, r => r.GrossMicros);
        var second = ClearingCompute.Compute(input with
        {
            CycleId = "c-2",
            Contracts = [.. input.Contracts.Select(c => c with { UsedUnits = c.UsedUnits - firstUse[c.Id], EscrowMicros = c.EscrowMicros - firstGross[c.Id] })],
            Vouchers = [.. input.Vouchers.Select(v => v with { RemainingMicros = v.RemainingMicros - first.VoucherUse.GetValueOrDefault(v.Id) - first.VoucherExpired.GetValueOrDefault(v.Id) })],
        });
        var split = first.Contracts.Concat(second.Contracts).GroupBy(r => r.ContractId).ToDictionary(g => g.Key, g => g.Sum(r => r.GrossMicros));
        return whole.Contracts.All(r => split[r.ContractId] == r.GrossMicros)
            && whole.Contracts.Sum(r => r.BuyerMicros + r.VoucherMicros) == first.Contracts.Concat(second.Contracts).Sum(r => r.BuyerMicros + r.VoucherMicros);
    });

    [Fact]
    public void Rounding_leaves_the_remainder_with_the_provider()
    {
        Assert.Equal(29, ClearingCompute.Carve(999, 300));
        Assert.Equal(0, ClearingCompute.Carve(33, 300));
        var input = new CycleInput("c", ClearingScenario.CycleEnd,
            [new ClearingContract("K-a-1", "b", "p", "a", "geo", 333, 999, 3, ClearingScenario.CycleEnd.AddDays(1))], [],
            new Dictionary<string, int>(), 300, new Dictionary<string, IReadOnlyList<RevenueShare>> { ["a"] = [new RevenueShare("i", 150)] });

        var line = Assert.Single(ClearingCompute.Compute(input).Contracts);

        Assert.Equal((999L, 29L, 14L, 956L), (line.GrossMicros, line.FeeMicros, line.SharesMicros, line.ProviderMicros));
    }
}
