namespace ClearingCluster.Wire;

/// <summary>
/// A clearing cycle: <c>open → cutting_off → cut_off → computed → settled</c> (or <c>failed</c>, then run again), its
/// cut time, the report once computed, each step with its duration, and the settlement's ledger entry.
/// </summary>
public sealed record CycleResponse(
    string CycleId, long Number, string Status, DateTimeOffset OpenedAt, DateTimeOffset? CutAt, CycleReportResponse? Report, string? Failure,
    IReadOnlyList<CycleStepResponse> Steps, long? LedgerSeq, UsageArchiveResponse? UsageArchive = null);

/// <summary>Where a settled cycle's usage records were archived (a file on the silo's machine: PostgreSQL binary COPY), what it holds and its SHA-256.</summary>
public sealed record UsageArchiveResponse(string File, long Rows, long Records, long Units, long Bytes, string Sha256, DateTimeOffset ArchivedAt);

/// <summary>
/// A computed cycle's totals in µ¥ (units for <c>usedUnits</c>): gross = voucherPaid + buyerPaid = fees + shares +
/// providerReceived; every participant's net (the exchange's included) sums to zero; the netting ratio is
/// ⌊10,000 × Σ|net| ÷ Σ(pays + receives)⌋ basis points; the hashes are those the settlement's ledger entry carries.
/// </summary>
public sealed record CycleReportResponse(
    long Contracts, long UsedUnits, long Gross, long VoucherPaid, long BuyerPaid, long Fees, long Shares, long ProviderReceived, long EscrowReleased,
    long VoucherExpired, long Adjustments, long Postings, IReadOnlyList<CycleNetResponse> Nets, long NettingRatioBasisPoints, string UsageHash,
    string PostingsHash);

public sealed record CycleNetResponse(string Participant, long Pays, long Receives, long Net);

public sealed record CycleStepResponse(string Name, DateTimeOffset At, long DurationMs, string? Detail);

/// <summary>Cycles newest first; pass <c>nextBefore</c> as <c>before</c> for older ones.</summary>
public sealed record CyclePageResponse(IReadOnlyList<CycleResponse> Cycles, long? NextBefore);

/// <summary>A correction against a settled cycle: <c>amount</c> µ¥ from <c>from</c>'s available balance to <c>to</c>'s, posted in the next cycle.</summary>
public sealed record AdjustmentRequest(string? Id, string? From, string? To, long Amount, string? Reason, string? Contract = null);

public sealed record AdjustmentResponse(
    string Id, string AgainstCycle, string PostedIn, string From, string To, long Amount, string Reason, string? Contract, string RecordedBy, DateTimeOffset At);

public sealed record AdjustmentListResponse(IReadOnlyList<AdjustmentResponse> Adjustments);

/// <summary>Balances in µ¥ just before a settlement (opening) and just after it (closing).</summary>
public sealed record StatementBalancesResponse(long Available, long Held, long Escrow, long Backing);

public sealed record StatementPostingResponse(string TransferId, string Kind, string DebitAccount, string CreditAccount, long Amount);

/// <summary>One contract's part in the cycle, in µ¥: gross = units × price = voucher + buyerPaid; the provider receives gross − fee − shares.</summary>
public sealed record StatementLineResponse(
    string ContractId, string Product, string Buyer, string Provider, long Units, long Price, long Gross, long Voucher, long BuyerPaid, long Fee,
    IReadOnlyList<StatementShareResponse> Shares, long ProviderReceived, long EscrowReleased);

public sealed record StatementShareResponse(string Intermediary, long Amount);

/// <summary>
/// An account's statement for a settled cycle: balances before and after the settlement (null when it moved none of
/// the account's money), its postings, its contracts' lines (paged: pass <c>nextAfter</c> as <c>after</c>), and the
/// adjustments recorded against or posted in the cycle that concern it.
/// </summary>
public sealed record StatementResponse(
    string AccountId, string CycleId, StatementBalancesResponse? Opening, StatementBalancesResponse? Closing, IReadOnlyList<StatementPostingResponse> Postings,
    IReadOnlyList<StatementLineResponse> Lines, string? NextAfter, IReadOnlyList<AdjustmentResponse> Adjustments);
