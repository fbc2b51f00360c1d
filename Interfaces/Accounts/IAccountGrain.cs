using ClearingCluster.Interfaces.Participants;
using ClearingCluster.Interfaces.Trading;
using ClearingCluster.Runtime;

namespace ClearingCluster.Interfaces.Accounts;

/// <summary>
/// One participant's account (or the exchange's, or the voucher fund's), keyed by its id, and the participant's gate
/// to trading: every order of the participant passes here, where its shape, the participant's standing and a buy's
/// funds are checked in memory before it goes on to its book. Deposits and withdrawals are idempotent by reference.
/// The account's state is its three totals and its vouchers, the same size after a million contracts as after one.
/// </summary>
public interface IAccountGrain : IGrainWithStringKey
{
    Task<AccountBalance> Deposit(long amountMicros, string reference);

    /// <summary>Refused with <c>insufficient_funds</c> if it would take available below zero.</summary>
    Task<AccountBalance> Withdraw(long amountMicros, string reference);

    Task<AccountBalance> IssueVoucher(IssueVoucher voucher);

    /// <summary>
    /// Sets a voucher's amount aside from this (the issuer's) available, refused with <c>insufficient_funds</c>;
    /// idempotent by <paramref name="backingKey"/> (the voucher id and its claim's attempt).
    /// </summary>
    Task<AccountBalance> BackVoucher(string backingKey, long amountMicros);

    /// <summary>Gives a voucher's backing back to available: the voucher was not issued after all. Idempotent by key.</summary>
    Task<AccountBalance> ReleaseVoucherBacking(string backingKey, long amountMicros);

    [ReadOnly]
    Task<AccountBalance> GetBalance();

    /// <summary>
    /// Places the participant's orders, entered by <paramref name="enteredBy"/> (the participant, or a gateway it
    /// authorised). One outcome per order, in order; a refused order refuses only itself. A repeated client order id
    /// returns the order as it stands (or <c>client_order_id_reused</c> when its terms differ).
    /// </summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<OrderPlacement>> PlaceOrders(IReadOnlyList<PlaceOrder> orders, string enteredBy);

    /// <summary>A book committed <paramref name="delta"/> on this account at row version <paramref name="version"/>; applied once.</summary>
    [AlwaysInterleave]
    Task ApplyCommitted(AccountDelta delta, long version);

    /// <summary>
    /// A clearing cycle's settlement, committed with row <paramref name="version"/>: its money and what it took from the
    /// account's vouchers. Applied once per cycle, and not at all when the activation loaded the account after it.
    /// </summary>
    [AlwaysInterleave]
    Task ApplySettlement(string cycleId, AccountDelta delta, long version, IReadOnlyList<VoucherUse> vouchers);

    /// <summary>
    /// Storage moved the account's money without this activation being told (a settlement whose answer was lost): it
    /// refuses what would spend until it has reloaded its totals from storage.
    /// </summary>
    [AlwaysInterleave]
    Task Reload(string reason);

    /// <summary>The participant's profile changed (status, tier, gateways): the gate checks orders against it.</summary>
    [AlwaysInterleave]
    Task ParticipantChanged(ParticipantProfile profile);
}
