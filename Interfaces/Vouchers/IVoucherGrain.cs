using ClearingCluster.Interfaces.Accounts;
using ClearingCluster.Runtime;

namespace ClearingCluster.Interfaces.Vouchers;

/// <summary>
/// A voucher id, exchange-wide: the first issuance claims it with its terms; a repeat with the same terms (a client
/// re-sending) returns the voucher, other terms under the same id are refused, whichever account they name.
/// </summary>
public interface IVoucherGrain : IGrainWithStringKey
{
    /// <summary>Claims the id for these terms and issues the voucher to <paramref name="participant"/>'s account.</summary>
    Task<VoucherBalance> Issue(string participant, IssueVoucher voucher);
}
