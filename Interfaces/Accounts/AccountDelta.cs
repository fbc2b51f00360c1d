namespace ClearingCluster.Interfaces.Accounts;

/// <summary>
/// A change to one account's balances (available, held, escrow, and the backing of vouchers it issued), committed in the same transaction as whatever caused it (a buyer's
/// reserve with its order, a capture with its contract). Deltas are added to the stored totals, never overwrite them,
/// so many writers may move one account's money in one flush; the account's row version grows by one per flush that
/// touches it.
/// </summary>
public readonly record struct AccountDelta(string AccountId, long AvailableMicros, long HeldMicros, long EscrowMicros, long BackingMicros = 0)
{
    public bool IsZero => AvailableMicros == 0 && HeldMicros == 0 && EscrowMicros == 0 && BackingMicros == 0;

    /// <summary>What the delta does to the account's total (available + held + escrow + backing): zero for moves inside it.</summary>
    public long TotalMicros => checked(AvailableMicros + HeldMicros + EscrowMicros + BackingMicros);

    public AccountDelta Plus(AccountDelta other)
    {
        if (other.AccountId != AccountId)
        {
            throw new ArgumentException($"cannot add a delta of {other.AccountId} to one of {AccountId}");
        }
        return new(AccountId, checked(AvailableMicros + other.AvailableMicros), checked(HeldMicros + other.HeldMicros),
            checked(EscrowMicros + other.EscrowMicros), checked(BackingMicros + other.BackingMicros));
    }
}
