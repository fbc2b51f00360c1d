namespace ClearingCluster.Runtime.Durability;

/// <summary>
/// A commit store in process memory with the same rules as the PostgreSQL one: epochs per writer, a batch refused
/// whole when a fence is stale. It keeps every committed batch, and a test can make flushes fail or wait.
/// </summary>
public sealed class MemoryCommitStore : ICommitStore
{
    private readonly object gate = new();
    private readonly Dictionary<string, long> epochs = new(StringComparer.Ordinal);
    private readonly List<CommitBatch> committed = [];
    private Exception? failNext;
    private ManualResetEventSlim? hold;
    private TaskCompletionSource waiting = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<CommitBatch> Committed
    {
        get { lock (gate) { return [.. committed]; } }
    }

    public IEnumerable<CommitItem> CommittedItems => Committed.SelectMany(b => b.Items);

    /// <summary>The next flush throws <paramref name="error"/> and commits nothing.</summary>
    public void FailNext(Exception error)
    {
        lock (gate)
        {
            failNext = error;
        }
    }

    /// <summary>Flushes wait until <see cref="Release"/>: work piles up behind the one in flight.</summary>
    public void Hold()
    {
        lock (gate)
        {
            hold ??= new ManualResetEventSlim(false);
            waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Completes once a flush is waiting on the latest <see cref="Hold"/>.</summary>
    public Task FlushWaiting
    {
        get { lock (gate) { return waiting.Task; } }
    }

    public void Release()
    {
        ManualResetEventSlim? released;
        lock (gate)
        {
            released = hold;
            hold = null;
        }
        released?.Set();
    }

    public Task<long> ClaimEpochAsync(string writer, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            var epoch = epochs.GetValueOrDefault(writer) + 1;
            epochs[writer] = epoch;
            return Task.FromResult(epoch);
        }
    }

    public void Commit(CommitBatch batch)
    {
        ManualResetEventSlim? waitFor;
        lock (gate)
        {
            waitFor = hold;
            if (waitFor is not null)
            {
                waiting.TrySetResult();
            }
        }
        waitFor?.Wait();
        lock (gate)
        {
            if (failNext is { } error)
            {
                failNext = null;
                throw error;
            }
            var stale = batch.Fences.Where(f => epochs.GetValueOrDefault(f.Writer) != f.Epoch).ToList();
            if (stale.Count > 0)
            {
                throw new StaleWriterException(stale);
            }
            committed.Add(batch);
        }
    }
}
