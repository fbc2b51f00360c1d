using ClearingCluster.Wire;

namespace ClearingCluster.Client;

public sealed partial class ClearingClient
{
    /// <summary>Admin. Repeated safely: a repeated <c>reference</c> returns the first result and moves nothing.</summary>
    public Task<AccountResponse> DepositFundsAsync(string account, long amountMicros, string reference, CancellationToken cancellationToken = default) =>
        PostAsync<AccountResponse>($"/v1/accounts/{Segment(account)}/deposits", new MoveRequest(amountMicros, reference), Repeat.Safe, cancellationToken);

    public Task<AccountResponse> WithdrawFundsAsync(string account, long amountMicros, string reference, CancellationToken cancellationToken = default) =>
        PostAsync<AccountResponse>($"/v1/accounts/{Segment(account)}/withdrawals", new MoveRequest(amountMicros, reference), Repeat.Safe, cancellationToken);

    public Task<AccountResponse> GetAccountAsync(string account, CancellationToken cancellationToken = default) =>
        GetAsync<AccountResponse>($"/v1/accounts/{Segment(account)}", cancellationToken);

    /// <summary>Admin. Repeated safely: a voucher id is exchange-wide, and a repeat with the same terms returns the voucher.</summary>
    public Task<VoucherResponse> IssueVoucherAsync(IssueVoucherRequest request, CancellationToken cancellationToken = default) =>
        PostAsync<VoucherResponse>("/v1/vouchers", request, Repeat.Safe, cancellationToken);
}
