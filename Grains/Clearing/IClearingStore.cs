using ClearingCluster.Interfaces.Clearing;
using ClearingCluster.Interfaces.Contracts;

namespace ClearingCluster.Grains.Clearing;

/// <summary>The cycle open for usage and the last cut before it (contracts ending by then take no more usage).</summary>
public sealed record OpenCycle(string Id, long Number, DateTimeOffset? LastCutAt);

/// <summary>Everything the store holds for computing a cycle; products' categories and shares come from their grains.</summary>
public sealed record CycleInputData(IReadOnlyList<ClearingContract> Contracts, IReadOnlyList<ClearingVoucher> Vouchers, IReadOnlyList<ClearingAdjustment> Adjustments);

/// <summary>What computing a cycle stages, written in one transaction with the cycle's new status.</summary>
public sealed record StagedCycle(
    CycleComputation Computation, IReadOnlyList<ClearingVoucher> Vouchers, SettlementPlan Plan, CycleReport Report,
    IReadOnlyList<CycleStep> Steps);

/// <summary>A settlement line of a statement: one contract's part in a cycle.</summary>
public sealed record SettlementLine(
    string ContractId, string Product, string Buyer, string Provider, long Units, long PriceMicros, long GrossMicros, long VoucherMicros, long BuyerMicros,
    long FeeMicros, IReadOnlyList<(string Intermediary, long Micros)> Shares, long ProviderMicros, long EscrowReleasedMicros);

/// <summary>An account's balances just before and the change made by a cycle's settlement.</summary>
public sealed record StatementBalances(long AvailableMicros, long HeldMicros, long EscrowMicros, long BackingMicros);

public sealed record StatementPosting(string TransferId, string Kind, string DebitAccount, string CreditAccount, long AmountMicros);

/// <summary>An account's part in a settled cycle; the balances are null when the settlement did not move the account's money.</summary>
public sealed record Statement(
    string AccountId, string CycleId, StatementBalances? Opening, StatementBalances? Closing, IReadOnlyList<StatementPosting> Postings,
    IReadOnlyList<SettlementLine> Lines, string? NextAfter, IReadOnlyList<AdjustmentView> Adjustments);

/// <summary>Clearing's storage: cycles, the terms catch-up, the staged computation, statements. Settling goes through the commit log.</summary>
public interface IClearingStore
{
    Task<OpenCycle> OpenCycleAsync(CancellationToken cancellationToken);

    Task<CycleView?> FindAsync(string cycleId, CancellationToken cancellationToken);

    /// <summary>Cycles newest first, those numbered below <paramref name="beforeNumber"/> when given.</summary>
    Task<IReadOnlyList<CycleView>> ListAsync(long? beforeNumber, int limit, CancellationToken cancellationToken);

    /// <summary>Marks the open cycle <c>cutting_off</c> at <paramref name="cutAt"/> and opens the next, in one transaction.</summary>
    Task<CycleView> BeginCutOffAsync(string closing, DateTimeOffset cutAt, CancellationToken cancellationToken);

    Task SetStatusAsync(string cycleId, CycleStatus status, IReadOnlyList<CycleStep> steps, string? failure, CancellationToken cancellationToken);

    /// <summary>Per product, the last contract number whose terms clearing holds.</summary>
    Task<IReadOnlyDictionary<string, long>> TermsWatermarksAsync(CancellationToken cancellationToken);

    /// <summary>Adds terms and moves the products' watermarks, in one transaction; terms already held are left alone.</summary>
    Task AddTermsAsync(IReadOnlyList<ContractTerms> terms, IReadOnlyDictionary<string, long> watermarks, CancellationToken cancellationToken);

    /// <summary>
    /// The contracts with usage in the cycle and those ending in it (after <paramref name="previousCut"/>, at or before
    /// <paramref name="cut"/>) as the compute takes them (their category from <paramref name="categoryByProduct"/>, the
    /// escrow left only for those ending), the vouchers with what settled cycles left of them, and the adjustments
    /// posted in it.
    /// </summary>
    Task<CycleInputData> InputsAsync(string cycleId, DateTimeOffset? previousCut, DateTimeOffset cut, IReadOnlyDictionary<string, string> categoryByProduct,
        CancellationToken cancellationToken);

    /// <summary>Replaces whatever an earlier compute staged for the cycle and marks it computed, in one transaction.</summary>
    Task StageAsync(string cycleId, StagedCycle staged, CancellationToken cancellationToken);

    /// <summary>The aggregated postings a computed cycle stages for settlement.</summary>
    Task<IReadOnlyList<Accounts.Posting>> StagedPostingsAsync(string cycleId, CancellationToken cancellationToken);

    /// <summary>The voucher use a cycle stages, per voucher: its holder and the amount.</summary>
    Task<IReadOnlyList<(string VoucherId, string Holder, long Micros)>> StagedVoucherUseAsync(string cycleId, CancellationToken cancellationToken);

    /// <summary>
    /// Settles a computed cycle in one transaction fenced by the clearing writer's epoch and its partition's: the staged postings into
    /// postings, the balances before into the cycle's accounts, every account's delta, the cycle settled. Returns each
    /// account's new row version. A cycle not computed is refused (<see cref="CycleStateException"/>) and nothing changes.
    /// </summary>
    Task<IReadOnlyDictionary<string, long>> SettleAsync(string cycleId, IReadOnlyList<Runtime.Durability.WriterFence> fences, IReadOnlyList<Interfaces.Accounts.AccountDelta> deltas,
        IReadOnlyList<CycleStep> steps, CancellationToken cancellationToken);

    /// <summary>Per account, what settled cycles changed its escrow by (usage paid from it, escrow released): never positive.</summary>
    Task<IReadOnlyDictionary<string, long>> SettledEscrowAsync(CancellationToken cancellationToken);

    /// <summary>Records a settled cycle's ledger entry, and its steps when given (the settle step's duration is known only after its commit).</summary>
    Task SetLedgerSeqAsync(string cycleId, long seq, IReadOnlyList<CycleStep>? steps, CancellationToken cancellationToken);

    Task<AdjustmentView> AddAdjustmentAsync(AdjustmentView adjustment, CancellationToken cancellationToken);

    Task<IReadOnlyList<AdjustmentView>> AdjustmentsAsync(string cycleId, CancellationToken cancellationToken);

    /// <summary>An account's statement for a settled cycle, its contract lines paged by contract id; null when the cycle is not settled.</summary>
    Task<Statement?> StatementAsync(string accountId, string cycleId, string? after, int limit, CancellationToken cancellationToken);
}

/// <summary>A step asked of a cycle in the wrong status (another run moved it on): nothing was changed.</summary>
public sealed class CycleStateException(string message) : Exception(message);
