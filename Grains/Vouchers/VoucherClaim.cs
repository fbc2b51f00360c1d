using ClearingCluster.Interfaces.Accounts;

namespace ClearingCluster.Grains.Vouchers;

/// <summary>What a voucher id is claimed for. Property names are the stored field ids: rename none.</summary>
public sealed class VoucherClaim
{
    public string? Participant { get; set; }

    public IssueVoucher? Terms { get; set; }
}
