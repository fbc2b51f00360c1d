namespace ClearingCluster.Interfaces.Accounts;

/// <summary>
/// A participant's money, in µ¥. <see cref="ReservedMicros"/> = open holds + contract escrow; what the member
/// holds is <see cref="AvailableMicros"/> + <see cref="ReservedMicros"/> + <see cref="BackingMicros"/> (set aside for
/// the vouchers it issued).
/// </summary>
public sealed record AccountBalance(
    string Id,
    long AvailableMicros,
    long ReservedMicros,
    long HeldMicros,
    long EscrowMicros,
    IReadOnlyList<VoucherBalance> Vouchers,
    long BackingMicros = 0);

public sealed record VoucherBalance(
    string Id,
    string Issuer,
    long AmountMicros,
    long RemainingMicros,
    IReadOnlyList<string> Categories,
    DateTimeOffset Expires);

public sealed record IssueVoucher(
    string Id,
    long AmountMicros,
    IReadOnlyList<string> Categories,
    DateTimeOffset Expires,
    string Issuer,
    string Reference);

/// <summary>What a settled cycle took from one voucher (redeemed, or returned to its issuer at expiry).</summary>
public sealed record VoucherUse(string VoucherId, long Micros);
