namespace ClearingCluster.Grains.Accounts;

/// <summary>The result of an idempotent operation, stored under its key with the change it made.</summary>
public sealed record AccountOperation(string Key, string ResultJson);

/// <summary>
/// Where accounts live. <see cref="CommitAsync"/> writes the new state, its postings and the operation's
/// result in one transaction, or nothing: a version that moved on throws
/// <see cref="Runtime.InconsistentStateException"/>; an operation key already stored throws
/// <see cref="DuplicateOperationException"/>.
/// </summary>
public interface IAccountStore
{
    Task<(AccountState? State, long Version)> LoadAsync(string accountId, CancellationToken cancellationToken);

    Task<long> CommitAsync(string accountId, long expectedVersion, AccountState state, IReadOnlyList<Posting> postings,
        AccountOperation operation, CancellationToken cancellationToken);

    Task<string?> FindOperationAsync(string accountId, string operationKey, CancellationToken cancellationToken);
}

public sealed class DuplicateOperationException(string accountId, string key)
    : Exception($"operation {key} is already recorded on account {accountId}");
