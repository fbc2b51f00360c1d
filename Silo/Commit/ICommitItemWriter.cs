using ClearingCluster.Runtime.Durability;

namespace ClearingCluster.Silo.Commit;

/// <summary>Turns one kind of commit item into statements of a flush. Registered in DI; one per item type.</summary>
public interface ICommitItemWriter
{
    Type ItemType { get; }

    /// <summary>Adds what <paramref name="items"/> (all of <see cref="ItemType"/>, in submission order) write to the flush.</summary>
    void Write(FlushContext flush, IReadOnlyList<CommitItem> items);
}

/// <summary>A writer for items of type <typeparamref name="TItem"/>.</summary>
public abstract class CommitItemWriter<TItem> : ICommitItemWriter
    where TItem : CommitItem
{
    public Type ItemType => typeof(TItem);

    public void Write(FlushContext flush, IReadOnlyList<CommitItem> items) => Write(flush, items.Cast<TItem>().ToList());

    protected abstract void Write(FlushContext flush, IReadOnlyList<TItem> items);
}
