using ClearingCluster.Runtime;

namespace ClearingCluster.Interfaces.Accounts;

/// <summary>
/// One participant's account (or the exchange's, or the voucher fund's), keyed by its id. Every movement is a
/// balanced double-entry posting committed with the balance before the call returns. Deposits and withdrawals
/// are idempotent by reference, holds by hold id.
/// </summary>
public interface IAccountGrain : IGrainWithStringKey
{
    Task<AccountBalance> Deposit(long amountMicros, string reference);

    /// <summary>Refused with <c>insufficient_funds</c> if it would take available below zero.</summary>
    Task<AccountBalance> Withdraw(long amountMicros, string reference);

    /// <summary>Moves <paramref name="amountMicros"/> from available into a hold.</summary>
    Task<HoldResult> Reserve(string holdId, long amountMicros);

    /// <summary>Moves <paramref name="amountMicros"/> (≤ held) of the hold into the escrow <paramref name="escrowId"/>; the rest returns to available.</summary>
    Task<HoldResult> Post(string holdId, long amountMicros, string escrowId);

    /// <summary>Returns the whole hold to available.</summary>
    Task<HoldResult> Void(string holdId);

    Task<AccountBalance> IssueVoucher(IssueVoucher voucher);

    [ReadOnly]
    Task<AccountBalance> GetBalance();
}
