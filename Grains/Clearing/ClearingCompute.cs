using ClearingCluster.Grains.Accounts;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Accounts;

namespace ClearingCluster.Grains.Clearing;

/// <summary>
/// A cycle's settlement computed from its inputs alone, with no I/O: the same inputs give the same result, byte for
/// byte. Per contract, in contract-id order:
/// <list type="number">
/// <item><c>gross = used × price</c> (µ¥, checked).</item>
/// <item>The buyer's eligible vouchers pay first: held by the buyer, the product's category among theirs, not expired
/// at the cycle's end, with money left; earliest expiry first, then voucher id; each up to what is left. Their
/// issuer's backing pays the provider, and the buyer's escrow they stand in for goes back to the buyer.</item>
/// <item>The buyer's escrow pays the rest.</item>
/// <item>From the provider's side: the exchange's fee and each intermediary's share, each
/// <c>⌊gross × basis points ÷ 10,000⌋</c>; the provider keeps the rest, so rounding never creates or loses a µ¥ (what
/// the floors leave goes to the provider).</item>
/// <item>A contract whose end is at or before the cycle's end gives its unused escrow back to the buyer.</item>
/// </list>
/// Then a voucher expired by the cycle's end gives what is left of it back from its issuer's backing to the issuer's
/// available balance, and staff adjustments posted in the cycle move money between available balances.
/// Every movement is a posting between sub-accounts (<c>:available</c>, <c>:escrow</c>, <c>:backing</c>), keyed by
/// cycle and contract, so applying the postings twice is recognised by their ids.
/// </summary>
public static class ClearingCompute
{
    public const int BasisPointsWhole = 10_000;

    private static readonly IReadOnlyList<(string, long)> NoShares = [];

    /// <param name="contractPostings">
    /// Whether to list every contract's postings too (tests and audits read them); settling needs only the plan, which
    /// is summed as the moves are decided either way.
    /// </param>
    public static CycleComputation Compute(CycleInput input, bool contractPostings = true)
    {
        Validate(input);
        var voucherLeft = input.Vouchers.ToDictionary(v => v.Id, v => v.RemainingMicros, StringComparer.Ordinal);
        var voucherUse = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var vouchersByHolder = input.Vouchers
            .OrderBy(v => v.Expires).ThenBy(v => v.Id, StringComparer.Ordinal)
            .ToLookup(v => v.Holder, StringComparer.Ordinal);
        var moves = new Moves(input.CycleId, contractPostings);
        var settlements = new List<ContractSettlement>(input.Contracts.Count);

        foreach (var c in InIdOrder(input.Contracts))
        {
            var gross = checked(c.UsedUnits * c.PriceMicros);
            long voucherPart = 0;
            if (vouchersByHolder.Contains(c.Buyer))
            {
                foreach (var v in vouchersByHolder[c.Buyer].Where(v => v.Categories.Contains(c.Category) && v.Expires >= input.CycleEnd))
                {
                    var take = Math.Min(voucherLeft[v.Id], gross - voucherPart);
                    if (take <= 0)
                    {
                        continue;
                    }
                    voucherLeft[v.Id] -= take;
                    voucherUse[v.Id] = checked(voucherUse.GetValueOrDefault(v.Id) + take);
                    voucherPart = checked(voucherPart + take);
                    moves.Add(c.Id, "voucher", "voucher_redemption", v.Issuer, SubAccount.Backing, c.Provider, SubAccount.Available, take, v.Id);
                }
            }
            var buyerPart = gross - voucherPart;
            moves.Add(c.Id, "usage", "usage", c.Buyer, SubAccount.Escrow, c.Provider, SubAccount.Available, buyerPart);
            moves.Add(c.Id, "voucher-refund", "voucher_refund", c.Buyer, SubAccount.Escrow, c.Buyer, SubAccount.Available, voucherPart);

            var fee = Carve(gross, FeeOf(input, c));
            moves.Add(c.Id, "fee", "fee", c.Provider, SubAccount.Available, AccountIds.Exchange, SubAccount.Available, fee);
            var schedule = input.SharesByProduct.GetValueOrDefault(c.Product) ?? [];
            var shares = schedule.Count == 0 ? null : new List<(string, long)>(schedule.Count);
            long sharesTotal = 0;
            foreach (var share in schedule)
            {
                var amount = Carve(gross, share.BasisPoints);
                shares!.Add((share.Intermediary, amount));
                sharesTotal += amount;
                moves.Add(c.Id, "share", "share", c.Provider, SubAccount.Available, share.Intermediary, SubAccount.Available, amount, share.Intermediary);
            }
            var providerNet = gross - fee - sharesTotal;

            var released = c.ValidTo <= input.CycleEnd
                ? (c.EscrowMicros ?? throw new InvalidOperationException($"contract {c.Id} ends in cycle {input.CycleId} but its escrow left is not known")) - gross
                : 0;
            moves.Add(c.Id, "release", "escrow_release", c.Buyer, SubAccount.Escrow, c.Buyer, SubAccount.Available, released);

            settlements.Add(new ContractSettlement(c.Id, c.UsedUnits, gross, voucherPart, buyerPart, fee, shares ?? NoShares, providerNet, released, c.Buyer, c.Provider));
        }

        var expired = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var v in input.Vouchers.Where(v => v.Expires < input.CycleEnd && voucherLeft[v.Id] > 0).OrderBy(v => v.Id, StringComparer.Ordinal))
        {
            expired[v.Id] = voucherLeft[v.Id];
            moves.AddOwn("voucher-expiry", v.Id, "voucher_expiry", v.Issuer, SubAccount.Backing, v.Issuer, SubAccount.Available, voucherLeft[v.Id]);
            voucherLeft[v.Id] = 0;
        }
        foreach (var a in (input.Adjustments ?? []).OrderBy(a => a.Id, StringComparer.Ordinal))
        {
            moves.AddOwn("adjustment", a.Id, "adjustment", a.From, SubAccount.Available, a.To, SubAccount.Available, a.AmountMicros);
        }

        var plan = moves.Plan.Build();
        var nets = Netting.Nets(plan.Postings);
        return new CycleComputation(input.CycleId, settlements, voucherUse, expired, moves.Postings, nets, Netting.RatioBasisPoints(nets), plan);
    }

    /// <summary>The contracts in ordinal id order, sorting only when they do not come so (the store reads them in order).</summary>
    private static IReadOnlyList<ClearingContract> InIdOrder(IReadOnlyList<ClearingContract> contracts)
    {
        for (var i = 1; i < contracts.Count; i++)
        {
            if (string.CompareOrdinal(contracts[i - 1].Id, contracts[i].Id) >= 0)
            {
                var sorted = contracts.ToArray();
                Array.Sort(sorted, static (a, b) => string.CompareOrdinal(a.Id, b.Id));
                return sorted;
            }
        }
        return contracts;
    }

    /// <summary>Every move of the cycle into the plan, and into per-contract postings when they are asked for.</summary>
    private sealed class Moves(string cycleId, bool listPostings)
    {
        public PlanBuilder Plan { get; } = new(cycleId);

        public List<Posting> Postings { get; } = [];

        /// <summary>A contract's move; its posting's id is <c>&lt;cycle&gt;/&lt;contract&gt;/&lt;leg&gt;[/&lt;party&gt;]</c>, made only when postings are listed.</summary>
        public void Add(string contract, string leg, string kind, string debitOwner, SubAccount debitSub, string creditOwner, SubAccount creditSub, long amount,
            string? party = null)
        {
            if (amount <= 0)
            {
                return;
            }
            Plan.Move(kind, debitOwner, debitSub, creditOwner, creditSub, amount);
            if (listPostings)
            {
                var id = party is null ? $"{cycleId}/{contract}/{leg}" : $"{cycleId}/{contract}/{leg}/{party}";
                Postings.Add(new Posting(id, PlanBuilder.Name(debitOwner, debitSub), PlanBuilder.Name(creditOwner, creditSub), amount, kind, contract));
            }
        }

        /// <summary>A move of the cycle's own (a voucher expiring, an adjustment): <c>&lt;cycle&gt;/&lt;leg&gt;/&lt;id&gt;</c>.</summary>
        public void AddOwn(string leg, string id, string kind, string debitOwner, SubAccount debitSub, string creditOwner, SubAccount creditSub, long amount)
        {
            if (amount <= 0)
            {
                return;
            }
            Plan.Move(kind, debitOwner, debitSub, creditOwner, creditSub, amount);
            if (listPostings)
            {
                Postings.Add(new Posting($"{cycleId}/{leg}/{id}", PlanBuilder.Name(debitOwner, debitSub), PlanBuilder.Name(creditOwner, creditSub), amount, kind, id));
            }
        }
    }

    /// <summary><c>⌊gross × basisPoints ÷ 10,000⌋</c>: the floor leaves the remainder with the provider.</summary>
    public static long Carve(long grossMicros, int basisPoints) => checked(grossMicros * basisPoints) / BasisPointsWhole;

    private static int FeeOf(CycleInput input, ClearingContract contract) =>
        contract.FeeBasisPoints is { } own ? checked((int)own)
        : input.FeeBasisPointsByCategory.TryGetValue(contract.Category, out var bps) ? bps : input.FeeBasisPointsDefault;

    private static void Validate(CycleInput input)
    {
        foreach (var c in input.Contracts)
        {
            if (c.UsedUnits < 0 || c.PriceMicros < 1 || c.EscrowMicros < 0 || (c.EscrowMicros is { } escrow && checked(c.UsedUnits * c.PriceMicros) > escrow))
            {
                throw DomainException.Invalid("invalid_contract_usage",
                    $"contract {c.Id}: {c.UsedUnits} units at {c.PriceMicros} µ¥ do not fit its escrow of {c.EscrowMicros} µ¥");
            }
            var carved = FeeOf(input, c) + (input.SharesByProduct.GetValueOrDefault(c.Product) ?? []).Sum(s => s.BasisPoints);
            if (carved > BasisPointsWhole || FeeOf(input, c) < 0 || (input.SharesByProduct.GetValueOrDefault(c.Product) ?? []).Any(s => s.BasisPoints < 0))
            {
                throw DomainException.Invalid("invalid_schedule", $"product {c.Product}: fee and shares carve {carved} basis points of 10,000");
            }
        }
        if (new HashSet<string>(input.Contracts.Select(c => c.Id), StringComparer.Ordinal).Count != input.Contracts.Count
            || input.Vouchers.Select(v => v.Id).Distinct(StringComparer.Ordinal).Count() != input.Vouchers.Count)
        {
            throw DomainException.Invalid("invalid_cycle_input", "a contract or voucher appears twice");
        }
        if (input.Vouchers.Any(v => v.RemainingMicros < 0))
        {
            throw DomainException.Invalid("invalid_cycle_input", "a voucher has less than nothing left");
        }
        var adjustments = input.Adjustments ?? [];
        if (adjustments.Any(a => a.AmountMicros <= 0 || a.From == a.To)
            || adjustments.Select(a => a.Id).Distinct(StringComparer.Ordinal).Count() != adjustments.Count)
        {
            throw DomainException.Invalid("invalid_cycle_input", "an adjustment moves nothing, moves money to its own account, or appears twice");
        }
    }
}
