using ClearingCluster.Interfaces.Accounts;

namespace ClearingCluster.Grains.Accounts;

/// <summary>A commit item that moves money: its deltas, and where the store reports each account's new row version.</summary>
public interface IMovesMoney
{
    IReadOnlyList<AccountDelta> AccountDeltas { get; }

    /// <summary>Called by the store, before the item completes, with the row version the flush gave each account it touched.</summary>
    void AccountCommitted(string accountId, long version);

    /// <summary>Whether an account it moves may have no row yet (an account's first deposit); trading moves only funded accounts.</summary>
    bool MayCreateAccounts => false;
}
