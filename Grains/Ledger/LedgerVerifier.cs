using ClearingCluster.Interfaces.Ledger;

namespace ClearingCluster.Grains.Ledger;

/// <summary>Recomputes the whole chain from storage, page by page, and names the first entry that does not verify.</summary>
public sealed class LedgerVerifier(ILedgerStore store)
{
    public const int PageSize = 5_000;

    public async Task<LedgerVerification> VerifyAsync(CancellationToken cancellationToken)
    {
        var head = EvidenceChain.Genesis;
        long count = 0;
        while (true)
        {
            var page = await store.ReadAsync(head.Seq, PageSize, cancellationToken);
            if (page.Count == 0)
            {
                return new LedgerVerification(true, count, head, null, null);
            }
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
                head = new LedgerHead(entry.Seq, entry.Hash);
                count++;
            }
        }
    }
}
