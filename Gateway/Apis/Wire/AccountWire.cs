using ClearingCluster.Interfaces.Accounts;

namespace ClearingCluster.Gateway.Apis.Wire;

/// <summary>Money in µ¥, as every amount on the wire.</summary>
public sealed record MoveRequest(long Amount, string? Reference);

public sealed record VoucherResponse(string Id, string Issuer, long Amount, long Remaining, IReadOnlyList<string> Categories, DateTimeOffset Expires);

public sealed record AccountResponse(string Id, long Available, long Reserved, long Held, long Escrow, IReadOnlyList<VoucherResponse> Vouchers)
{
    public static AccountResponse From(AccountBalance b) => new(
        b.Id, b.AvailableMicros, b.ReservedMicros, b.HeldMicros, b.EscrowMicros,
        [.. b.Vouchers.Select(v => new VoucherResponse(v.Id, v.Issuer, v.AmountMicros, v.RemainingMicros, v.Categories, v.Expires))]);
}

public sealed record IssueVoucherRequest(
    string? Id, string? Participant, long Amount, string[]? Categories, DateTimeOffset Expires, string? Reference, string? Issuer);
