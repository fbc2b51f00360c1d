namespace ClearingCluster.Grains.Accounts;

/// <summary>Accounts in storage, read side: changes go through the commit log (<see cref="AccountCommit"/>, and books' deltas).</summary>
public interface IAccountStore
{
    /// <summary>The account's totals (with their row version) and details; null when it has no row yet.</summary>
    Task<(AccountTotals Totals, AccountState State)?> LoadAsync(string accountId, CancellationToken cancellationToken);

    Task<string?> FindOperationAsync(string accountId, string operationKey, CancellationToken cancellationToken);

    /// <summary>Every account that holds money for open buys or in escrow, with its stored totals.</summary>
    Task<IReadOnlyList<(string AccountId, AccountTotals Totals)>> HoldingAsync(CancellationToken cancellationToken);
}
