namespace ClearingCluster.Interfaces.Clearing;

/// <summary>A cycle's life: <c>open → cutting_off → cut_off → computed → settled</c>; a failed compute or settle is <c>failed</c> and may be run again.</summary>
public enum CycleStatus
{
    Open,
    CuttingOff,
    CutOff,
    Computed,
    Settled,
    Failed,
}

public static class CycleStatuses
{
    public static string Wire(CycleStatus status) => status switch
    {
        CycleStatus.Open => "open",
        CycleStatus.CuttingOff => "cutting_off",
        CycleStatus.CutOff => "cut_off",
        CycleStatus.Computed => "computed",
        CycleStatus.Settled => "settled",
        CycleStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static CycleStatus Parse(string wire) => wire switch
    {
        "open" => CycleStatus.Open,
        "cutting_off" => CycleStatus.CuttingOff,
        "cut_off" => CycleStatus.CutOff,
        "computed" => CycleStatus.Computed,
        "settled" => CycleStatus.Settled,
        "failed" => CycleStatus.Failed,
        _ => throw new ArgumentOutOfRangeException(nameof(wire), wire, "not a cycle status"),
    };
}

/// <summary>One step of a cycle's processing and how long it took.</summary>
public sealed record CycleStep(string Name, DateTimeOffset At, long DurationMs, string? Detail = null);

/// <summary>A participant's position in a cycle: what it pays and receives through the clearing account, and the net.</summary>
public sealed record CycleNet(string Participant, long PaysMicros, long ReceivesMicros, long NetMicros);

/// <summary>
/// What a computed cycle settles: totals over its contracts, every participant's net, the netting ratio, and the
/// hashes (SHA-256, hex) of its usage totals and its postings that the settlement's ledger entry carries.
/// </summary>
public sealed record CycleReport(
    long Contracts,
    long UsedUnits,
    long GrossMicros,
    long VoucherMicros,
    long BuyerMicros,
    long FeeMicros,
    long SharesMicros,
    long ProviderMicros,
    long EscrowReleasedMicros,
    long VoucherExpiredMicros,
    long AdjustmentMicros,
    long Postings,
    IReadOnlyList<CycleNet> Nets,
    long NettingRatioBasisPoints,
    string UsageHash,
    string PostingsHash);

public sealed record CycleView(
    string Id,
    long Number,
    CycleStatus Status,
    DateTimeOffset OpenedAt,
    DateTimeOffset? CutAt,
    CycleReport? Report,
    string? Failure,
    IReadOnlyList<CycleStep> Steps,
    long? LedgerSeq,
    UsageArchive? UsageArchive = null);

/// <summary>
/// A settled cycle's usage records once archived: the file (PostgreSQL's binary COPY of the cycle's partition of
/// <c>usage_records</c>), what it holds, and its SHA-256, so an archive can be checked and loaded back.
/// </summary>
public sealed record UsageArchive(string File, long Rows, long Records, long Units, long Bytes, string Sha256, DateTimeOffset ArchivedAt);

/// <summary>A correction staff record against a settled cycle; it is posted in <see cref="PostedIn"/> (the cycle open when it was recorded).</summary>
public sealed record AdjustmentView(
    string Id, string AgainstCycle, string PostedIn, string From, string To, long AmountMicros, string Reason, string? Contract, string RecordedBy,
    DateTimeOffset At);

public sealed record RecordAdjustment(string Id, string From, string To, long AmountMicros, string Reason, string? Contract);
