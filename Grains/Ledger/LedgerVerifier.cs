using ClearingCluster.Grains.Contracts;
using ClearingCluster.Grains.Trading;
using ClearingCluster.Interfaces.Ledger;

namespace ClearingCluster.Grains.Ledger;

/// <summary>
/// Recomputes the whole chain from storage, page by page, and names the first entry that does not verify: a gap, a
/// broken link or hash, or a contracts entry whose Merkle root is not the root of the contracts its book journaled
/// for that range (or whose range does not continue its product's previous one).
/// </summary>
public sealed class LedgerVerifier(ILedgerStore store, ITradingStore trading)
{
    public const int PageSize = 5_000;

    public async Task<LedgerVerification> VerifyAsync(CancellationToken cancellationToken)
    {
        var head = EvidenceChain.Genesis;
        var evidencedThrough = new Dictionary<string, long>(StringComparer.Ordinal);
        long count = 0;
        while (true)
        {
            var page = await store.ReadAsync(head.Seq, PageSize, cancellationToken);
            if (page.Count == 0)
            {
                return new LedgerVerification(true, count, head, null, null);
            }
            var roots = await ContractRootsAsync(page, cancellationToken);
            foreach (var entry in page)
            {
                if (entry.Seq != head.Seq + 1)
                {
                    return new LedgerVerification(false, count, head, head.Seq + 1, $"entry {head.Seq + 1} is missing");
                }
                if (!EvidenceChain.Verifies(entry, head.Hash))
                {
                    var problem = entry.PrevHash != head.Hash ? "its prevHash is not the previous entry's hash" : "its hash does not match its content";
                    return new LedgerVerification(false, count, head, entry.Seq, $"entry {entry.Seq}: {problem}");
                }
                if (entry.Kind == ContractMerkle.EntryKind && ContractsProblem(entry, roots, evidencedThrough) is { } contractsProblem)
                {
                    return new LedgerVerification(false, count, head, entry.Seq, $"entry {entry.Seq}: {contractsProblem}");
                }
                head = new LedgerHead(entry.Seq, entry.Hash);
                count++;
            }
        }
    }

    private static string? ContractsProblem(LedgerEntry entry, Dictionary<long, string> roots, Dictionary<string, long> evidencedThrough)
    {
        if (ContractsClaim.Of(entry) is not { } claim)
        {
            return "a contracts entry without product, first, last and root";
        }
        var expectedFirst = evidencedThrough.GetValueOrDefault(claim.Product) + 1;
        if (claim.First != expectedFirst)
        {
            return $"it covers contracts {claim.First}–{claim.Last} of {claim.Product}, but the previous entry ended at {expectedFirst - 1}";
        }
        if (roots.GetValueOrDefault(entry.Seq) != claim.Root)
        {
            return $"its Merkle root is not the root of contracts {claim.First}–{claim.Last} of {claim.Product} as their book journaled them";
        }
        evidencedThrough[claim.Product] = claim.Last;
        return null;
    }

    /// <summary>The root each contracts entry of the page should carry, computed from the journal: one read per product.</summary>
    private async Task<Dictionary<long, string>> ContractRootsAsync(IReadOnlyList<LedgerEntry> page, CancellationToken cancellationToken)
    {
        var roots = new Dictionary<long, string>();
        var claims = page.Where(e => e.Kind == ContractMerkle.EntryKind)
            .Select(e => (e.Seq, Claim: ContractsClaim.Of(e)))
            .Where(x => x.Claim is { First: > 0 } c && c.Last >= c.First)
            .ToList();
        foreach (var product in claims.GroupBy(x => x.Claim!.Product, StringComparer.Ordinal))
        {
            var contracts = await ContractBatches.ReadAsync(trading, product.Key, product.Min(x => x.Claim!.First), product.Max(x => x.Claim!.Last),
                cancellationToken);
            var byNumber = contracts.ToDictionary(c => c.Number);
            foreach (var (seq, claim) in product)
            {
                var covered = new List<byte[]>();
                for (var n = claim!.First; n <= claim.Last && byNumber.TryGetValue(n, out var terms); n++)
                {
                    covered.Add(ContractMerkle.Leaf(terms));
                }
                if (covered.Count == claim.Last - claim.First + 1)
                {
                    roots[seq] = Convert.ToHexStringLower(ContractMerkle.Root(covered));
                }
            }
        }
        return roots;
    }

    private sealed record ContractsClaim(string Product, long First, long Last, string Root)
    {
        public static ContractsClaim? Of(LedgerEntry entry)
        {
            try
            {
                var p = entry.Payload;
                return p["product"]?.GetValue<string>() is { } product && p["first"]?.GetValue<long>() is { } first
                    && p["last"]?.GetValue<long>() is { } last && p["root"]?.GetValue<string>() is { } root
                    ? new ContractsClaim(product, first, last, root)
                    : null;
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException)
            {
                return null;
            }
        }
    }
}
