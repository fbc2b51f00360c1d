using ClearingCluster.Interfaces.Accounts;

namespace ClearingCluster.Grains.Vouchers;

/// <summary>What a voucher id is claimed for. Property names are the stored field ids: rename none.</summary>
public sealed class VoucherClaim
{
    public string? Participant { get; set; }

    public IssueVoucher? Terms { get; set; }

    /// <summary>Counts the claims made of this id, so each claim's backing is a transfer of its own.</summary>
    public int Attempt { get; set; }

    public string BackingKey(string voucherId) => $"{voucherId}#{Attempt}";
}
