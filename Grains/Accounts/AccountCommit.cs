using ClearingCluster.Interfaces.Accounts;
using ClearingCluster.Runtime.Durability;

namespace ClearingCluster.Grains.Accounts;

/// <summary>The result of an idempotent operation, stored under its key with the change it made.</summary>
public sealed record AccountOperation(string Key, string ResultJson);

/// <summary>
/// An account's own operation for the commit log (a deposit, a withdrawal, a voucher): its money as a delta, its
/// balanced postings, its idempotency record, and its new details (vouchers, evidence outbox) when they changed.
/// </summary>
public sealed class AccountCommit(string accountId, AccountDelta delta, AccountOperation operation, IReadOnlyList<Posting> postings, string? stateJson)
    : CommitItem(1), IMovesMoney
{
    public string AccountId { get; } = accountId;

    public AccountOperation Operation { get; } = operation;

    public IReadOnlyList<Posting> Postings { get; } = postings;

    public string? StateJson { get; } = stateJson;

    public IReadOnlyList<AccountDelta> AccountDeltas { get; } = delta.IsZero ? [] : [delta];

    public long Version { get; private set; }

    public void AccountCommitted(string accountId, long version) => Version = version;

    public bool MayCreateAccounts => true;
}
