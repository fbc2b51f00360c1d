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

    public static CycleComputation Compute(CycleInput input)
    {
        Validate(input);
        var voucherLeft = input.Vouchers.ToDictionary(v => v.Id, v => v.RemainingMicros, StringComparer.Ordinal);
        var voucherUse = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var vouchersByHolder = input.Vouchers
            .OrderBy(v => v.Expires).ThenBy(v => v.Id, StringComparer.Ordinal)
            .ToLookup(v => v.Holder, StringComparer.Ordinal);
        var postings = new List<Posting>();
        var settlements = new List<ContractSettlement>(input.Contracts.Count);

        foreach (var c in input.Contracts.OrderBy(c => c.Id, StringComparer.Ordinal))
        {
            var gross = checked(c.UsedUnits * c.PriceMicros);
            var key = $"{input.CycleId}/{c.Id}";

            long voucherPart = 0;
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
                Add(postings, $"{key}/voucher/{v.Id}", Posting.Backing(v.Issuer), Posting.Available(c.Provider), take, "voucher_redemption", c.Id);
            }
            var buyerPart = gross - voucherPart;
            Add(postings, $"{key}/usage", Posting.Escrow(c.Buyer), Posting.Available(c.Provider), buyerPart, "usage", c.Id);
            Add(postings, $"{key}/voucher-refund", Posting.Escrow(c.Buyer), Posting.Available(c.Buyer), voucherPart, "voucher_refund", c.Id);

            var fee = Carve(gross, FeeOf(input, c));
            Add(postings, $"{key}/fee", Posting.Available(c.Provider), Posting.Available(AccountIds.Exchange), fee, "fee", c.Id);
            var shares = new List<(string, long)>();
            foreach (var share in input.SharesByProduct.GetValueOrDefault(c.Product) ?? [])
            {
                var amount = Carve(gross, share.BasisPoints);
                shares.Add((share.Intermediary, amount));
                Add(postings, $"{key}/share/{share.Intermediary}", Posting.Available(c.Provider), Posting.Available(share.Intermediary), amount, "share", c.Id);
            }
            var providerNet = gross - fee - shares.Sum(s => s.Item2);

            var released = c.ValidTo <= input.CycleEnd ? c.EscrowMicros - gross : 0;
            Add(postings, $"{key}/release", Posting.Escrow(c.Buyer), Posting.Available(c.Buyer), released, "escrow_release", c.Id);

            settlements.Add(new ContractSettlement(c.Id, c.UsedUnits, gross, voucherPart, buyerPart, fee, shares, providerNet, released));
        }

        var expired = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var v in input.Vouchers.Where(v => v.Expires < input.CycleEnd && voucherLeft[v.Id] > 0).OrderBy(v => v.Id, StringComparer.Ordinal))
        {
            expired[v.Id] = voucherLeft[v.Id];
            Add(postings, $"{input.CycleId}/voucher-expiry/{v.Id}", Posting.Backing(v.Issuer), Posting.Available(v.Issuer), voucherLeft[v.Id], "voucher_expiry", v.Id);
            voucherLeft[v.Id] = 0;
        }
        foreach (var a in (input.Adjustments ?? []).OrderBy(a => a.Id, StringComparer.Ordinal))
        {
            Add(postings, $"{input.CycleId}/adjustment/{a.Id}", Posting.Available(a.From), Posting.Available(a.To), a.AmountMicros, "adjustment", a.Id);
        }

        var nets = Netting.Nets(postings);
        return new CycleComputation(input.CycleId, settlements, voucherUse, expired, postings, nets, Netting.RatioBasisPoints(nets));
    }

    /// <summary><c>⌊gross × basisPoints ÷ 10,000⌋</c>: the floor leaves the remainder with the provider.</summary>
    public static long Carve(long grossMicros, int basisPoints) => checked(grossMicros * basisPoints) / BasisPointsWhole;

    private static int FeeOf(CycleInput input, ClearingContract contract) =>
        contract.FeeBasisPoints is { } own ? checked((int)own)
        : input.FeeBasisPointsByCategory.TryGetValue(contract.Category, out var bps) ? bps : input.FeeBasisPointsDefault;

    private static void Add(List<Posting> postings, string transferId, string debit, string credit, long amountMicros, string kind, string contract)
    {
        if (amountMicros > 0)
        {
            postings.Add(new Posting(transferId, debit, credit, amountMicros, kind, contract));
        }
    }

    private static void Validate(CycleInput input)
    {
        foreach (var c in input.Contracts)
        {
            if (c.UsedUnits < 0 || c.PriceMicros < 1 || c.EscrowMicros < 0 || checked(c.UsedUnits * c.PriceMicros) > c.EscrowMicros)
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
        if (input.Contracts.Select(c => c.Id).Distinct(StringComparer.Ordinal).Count() != input.Contracts.Count
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
