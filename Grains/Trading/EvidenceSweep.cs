using ClearingCluster.Grains.Contracts;
using ClearingCluster.Grains.Ledger;
using ClearingCluster.Interfaces.Trading;
using ClearingCluster.Runtime;
using Microsoft.Extensions.Logging;

namespace ClearingCluster.Grains.Trading;

/// <summary>
/// Finds the books whose committed contracts are not all on the evidence ledger (the process died between a commit
/// and its evidence entry) and wakes each: its activation puts the missing ones on the ledger as one entry. Run at
/// silo start, so evidence never waits for the next order on a quiet product.
/// </summary>
public sealed class EvidenceSweep(ITradingStore trading, ILedgerStore ledger, IGrainFactory grains, ILogger<EvidenceSweep> logger)
{
    /// <returns>How many books had contracts without evidence.</returns>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var woken = 0;
        foreach (var product in await trading.BooksAsync(cancellationToken))
        {
            var last = await trading.LastContractAsync(product, cancellationToken);
            var covered = await ledger.CoveredThroughAsync(product, ContractMerkle.EntryKind, cancellationToken);
            if (covered < last)
            {
                logger.LogWarning("book {Product}: contracts {First}–{Last} have no evidence entry; waking the book", product, covered + 1, last);
                try
                {
                    await grains.GetGrain<IOrderBookGrain>(product).Positions();
                    woken++;
                }
                catch (Exception error) when (PartitionMovedException.Caused(error))
                {
                    // Another silo serves the book: its activation there puts the evidence on the ledger.
                    logger.LogInformation("book {Product} is served by another silo; left to it", product);
                }
            }
        }
        return woken;
    }
}
