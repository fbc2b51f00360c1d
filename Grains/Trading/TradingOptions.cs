using ClearingCluster.Grains.Trading.Matching;

namespace ClearingCluster.Grains.Trading;

/// <summary>Trading's bounds (configuration section <c>Clearing:Trading</c>).</summary>
public sealed class TradingOptions
{
    /// <summary>Orders one batch request (or one account call) may carry.</summary>
    public int BatchOrdersMax { get; set; } = 1000;

    /// <summary>
    /// How long a client order id is recognised as a repeat: a participant's ids placed within this window (and among
    /// its last <see cref="ClientOrderIdsRememberedMax"/>) return the first order; older ones are forgotten.
    /// </summary>
    public TimeSpan ClientOrderIdWindow { get; set; } = TimeSpan.FromHours(24);

    public int ClientOrderIdsRememberedMax { get; set; } = 1_000_000;

    /// <summary>A book writes a snapshot once its journal since the last one is this large (and at least twice the last snapshot).</summary>
    public long SnapshotJournalBytesMin { get; set; } = 4 * 1024 * 1024;

    /// <summary>Committed contracts a book holds while their evidence entry is not written yet; beyond it the book stops.</summary>
    public int UnevidencedContractsMax { get; set; } = 1_000_000;

    /// <summary>
    /// Under load a book puts its contracts on the ledger at most once per this interval, so one entry holds many: an
    /// entry costs a row, a hash and a Merkle root whatever it holds. A quiet book's contracts go at once; so do
    /// <see cref="EvidenceBatchContracts"/> waiting, a request for a contract's evidence, and a deactivation.
    /// </summary>
    public TimeSpan EvidenceEvery { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Contracts waiting for evidence that end the wait of <see cref="EvidenceEvery"/> at once.</summary>
    public int EvidenceBatchContracts { get; set; } = 10_000;

    /// <summary>At start, books whose contracts a crash left without their evidence entry are woken to put them on the ledger.</summary>
    public bool EvidenceSweepAtStart { get; set; } = true;

    public EngineLimits Engine { get; set; } = new();
}
