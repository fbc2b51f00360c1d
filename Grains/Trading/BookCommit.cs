using ClearingCluster.Grains.Accounts;
using ClearingCluster.Grains.Trading.Journal;
using ClearingCluster.Interfaces.Accounts;
using ClearingCluster.Runtime.Durability;

namespace ClearingCluster.Grains.Trading;

/// <summary>
/// One book call's changes for the commit log: its journal chunk, the order and contract numbers it used, the
/// activity index rows, and the money it moves (a buyer's reserve with its order, captures with their contracts),
/// fenced by the book's epoch and by the epochs of the accounts whose reserves it carries.
/// </summary>
public sealed class BookCommit : CommitItem, IMovesMoney
{
    private readonly Dictionary<string, long> versions = new(StringComparer.Ordinal);

    public BookCommit(BookBatch batch)
        : base(Math.Max(1, batch.Events.Count), [.. batch.Fences])
    {
        Product = batch.Product;
        Item = batch.Item;
        At = batch.At;
        Events = BookJournal.Encode(batch.Item, batch.At, batch.Events);
        FirstOrder = batch.FirstOrder;
        LastOrder = batch.LastOrder;
        FirstContract = batch.Contracts.Count > 0 ? batch.Contracts[0].Number : null;
        LastContract = batch.Contracts.Count > 0 ? batch.Contracts[^1].Number : null;
        Activity = [.. batch.Activity];
        AccountDeltas = batch.Deltas;
    }

    public string Product { get; }

    public long Item { get; }

    /// <summary>The book's time for the batch: its orders' <c>createdAt</c>, and the activity rows' <c>at</c>.</summary>
    public DateTimeOffset At { get; }

    public byte[] Events { get; }

    public long? FirstOrder { get; }

    public long? LastOrder { get; }

    public long? FirstContract { get; }

    public long? LastContract { get; }

    public IReadOnlyList<ParticipantActivity> Activity { get; }

    public IReadOnlyList<AccountDelta> AccountDeltas { get; }

    public void AccountCommitted(string accountId, long version) => versions[accountId] = version;

    /// <summary>The row version the flush gave the account; valid once the item has committed.</summary>
    public long VersionOf(string accountId) => versions.TryGetValue(accountId, out var v)
        ? v
        : throw new InvalidOperationException($"account {accountId} was not moved by book item {Product}/{Item}");
}

/// <summary>A book's state for the commit log: replaces the book's older snapshots.</summary>
public sealed class BookSnapshotCommit(string product, long through, byte[] state) : CommitItem(1)
{
    public string Product { get; } = product;

    public long Through { get; } = through;

    public byte[] State { get; } = state;
}
