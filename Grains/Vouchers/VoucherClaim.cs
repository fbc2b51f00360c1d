using ClearingCluster.Interfaces.Accounts;

namespace ClearingCluster.Grains.Vouchers;

/// <summary>What a voucher id is claimed for. Property names are the stored field ids: rename none.</summary>
public sealed class VoucherClaim
{
    public string? Participant { get; set; }

    public IssueVoucher? Terms { get; set; }

    /// <summary>Counts the claims made of this id, so each claim's backing is a transfer of its own.</summary>
    public int Attempt { get; set; }

    /// <summary>A refused claim's backing still to give back: recorded before the claim is cleared, cleared once given.</summary>
    public PendingRelease? Release { get; set; }

    public string BackingKey(string voucherId) => $"{voucherId}#{Attempt}";

    public VoucherClaim Copy() => new() { Participant = Participant, Terms = Terms, Attempt = Attempt, Release = Release };
}

/// <summary>Which backing to give back: the issuer's account, the backing's key, the amount.</summary>
public sealed record PendingRelease(string Issuer, string Key, long AmountMicros);
