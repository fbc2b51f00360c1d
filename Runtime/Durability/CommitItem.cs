namespace ClearingCluster.Runtime.Durability;

/// <summary>
/// One writer's changes for the commit log: what a grain turn decided, to be made durable with whatever else is
/// pending. Subclasses carry the data; the store knows how to write each kind. An item is submitted once, through
/// its writer's <see cref="CommitWriter"/>, and completes when the flush holding it has committed (or failed).
/// </summary>
public abstract class CommitItem
{
    private readonly TaskCompletionSource completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="records">What the item weighs against the lane's bounds: records, orders or entries it carries.</param>
    /// <param name="fences">
    /// Decisions of other writers this item carries (a buyer's reserve committed with the book's batch): their epochs
    /// are checked in the same transaction as the submitting writer's own.
    /// </param>
    protected CommitItem(int records, IReadOnlyList<WriterFence>? fences = null)
    {
        if (records < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(records), "a commit item weighs at least one record");
        }
        Records = records;
        Fences = fences ?? [];
    }

    public int Records { get; }

    public IReadOnlyList<WriterFence> Fences { get; }

    /// <summary>The writer that submitted it; set on submit.</summary>
    public CommitWriter Writer { get; private set; } = null!;

    internal Task Done => completion.Task;

    internal bool IsSubmitted => Writer is not null;

    internal void Attach(CommitWriter writer)
    {
        if (IsSubmitted)
        {
            throw new InvalidOperationException("a commit item is submitted once");
        }
        Writer = writer;
    }

    internal void Complete() => completion.TrySetResult();

    internal void Fail(Exception error) => completion.TrySetException(error);
}
