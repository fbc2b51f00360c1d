using ClearingCluster.Grains.Trading;
using ClearingCluster.Grains.Trading.Journal;
using ClearingCluster.Interfaces.Contracts;

namespace ClearingCluster.Grains.Contracts;

/// <summary>Contracts read back from their book's journal by number range: what an evidence entry's Merkle root covers.</summary>
public static class ContractBatches
{
    public static async Task<IReadOnlyList<ContractTerms>> ReadAsync(ITradingStore trading, string product, long first, long last,
        CancellationToken cancellationToken)
    {
        var rows = await trading.RowsWithContractsAsync(product, first, last, cancellationToken);
        return OrderHistory.Contracts(product, rows.SelectMany(r => BookJournal.Decode(r.Events)))
            .Where(c => c.Number >= first && c.Number <= last).OrderBy(c => c.Number).ToList();
    }
}
