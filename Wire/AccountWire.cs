namespace ClearingCluster.Wire;

/// <summary>A deposit or withdrawal in µ¥, idempotent by <c>reference</c>.</summary>
public sealed record MoveRequest(long Amount, string? Reference);

public sealed record VoucherResponse(string Id, string Issuer, long Amount, long Remaining, IReadOnlyList<string> Categories, DateTimeOffset Expires);

/// <summary>
/// Balances in µ¥: <c>held</c> backs resting buys, <c>escrow</c> is what contracts took and settlement will pay out,
/// <c>backing</c> is set aside for the vouchers this account issued.
/// </summary>
public sealed record AccountResponse(string Id, long Available, long Reserved, long Held, long Escrow, IReadOnlyList<VoucherResponse> Vouchers, long Backing);

/// <summary>A data voucher; <c>issuer</c> defaults to the voucher fund.</summary>
public sealed record IssueVoucherRequest(
    string? Id, string? Participant, long Amount, string[]? Categories, DateTimeOffset Expires, string? Reference, string? Issuer = null);
