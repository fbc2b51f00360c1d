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

    /// <summary>
    /// Moves <paramref name="amountMicros"/> from available into a hold; refused with <c>tier_limit_exceeded</c> if the
    /// account would then hold more than <paramref name="heldLimitMicros"/> in all.
    /// </summary>
    Task<HoldResult> Reserve(string holdId, long amountMicros, long heldLimitMicros);

    /// <summary>Moves part of an open hold into the escrow <paramref name="escrowId"/>; idempotent by <paramref name="captureId"/>.</summary>
    Task<HoldResult> Capture(string holdId, string captureId, long amountMicros, string escrowId);

    /// <summary>Returns part of an open hold to available, keeping the rest; idempotent by <paramref name="releaseId"/>.</summary>
    Task<HoldResult> Release(string holdId, string releaseId, long amountMicros);

    /// <summary>Moves <paramref name="amountMicros"/> (≤ held) of the hold into the escrow <paramref name="escrowId"/>; the rest returns to available.</summary>
    Task<HoldResult> Post(string holdId, long amountMicros, string escrowId);

    /// <summary>Returns the whole hold to available.</summary>
    Task<HoldResult> Void(string holdId);

    Task<AccountBalance> IssueVoucher(IssueVoucher voucher);

    [ReadOnly]
    Task<AccountBalance> GetBalance();
}
