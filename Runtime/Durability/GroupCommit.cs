using System.Collections.Concurrent;
using System.Diagnostics;
using ClearingCluster.Runtime.Cluster;
using Microsoft.Extensions.Logging;

namespace ClearingCluster.Runtime.Durability;

/// <summary>
/// The commit log every durable hot path shares: grains submit items, one flush loop writes whatever is pending in
/// one transaction, and each item completes only when its flush has committed. Many requests from many grains share
/// a commit, and the batch grows with load (group commit). The loop has a thread of its own and blocks it on the
/// database, so a flush never queues in the thread pool behind the requests it answers. Guarantees:
/// <list type="bullet">
/// <item>items commit in submission order; a writer's items never overtake each other;</item>
/// <item>a failed flush fails every item in it and fails their writers (their memory is ahead of storage), so the
/// writers' later items fail too and the owners reload;</item>
/// <item>every flush checks the epochs of the writers it carries in the same transaction: an item of a stale
/// activation fails with <see cref="StaleWriterException"/> and the others are retried without it;</item>
/// <item>pending work is bounded by <see cref="GroupCommitOptions.PendingRecordsMax"/>: beyond it new work is refused
/// with <see cref="CommitRefusedException"/> before anything changes.</item>
/// </list>
/// </summary>
public sealed class GroupCommit : IAsyncDisposable
{
    private readonly ICommitStore store;
    private readonly GroupCommitOptions options;
    private readonly ILogger logger;
    // Submitting takes no lock: grains submit from many threads at once, and on two cores a submitter blocked behind a
    // preempted lock holder stalled whole turns (under usage load, ~12 % of the Gateway's profile samples and ~18 % of
    // its thread-pool threads' time).
    private readonly ConcurrentQueue<CommitItem> pending = new();
    private readonly SemaphoreSlim wake = new(0);
    private long pendingRecords;
    private readonly Thread loop;
    private long flushSequence;
    /// <summary>1 once stopping began; set with a full fence, so a stopper's look at <see cref="submitting"/> cannot come before it.</summary>
    private int stopped;

    private bool Stopped => Volatile.Read(ref stopped) == 1;

    /// <summary>1 while the loop is about to wait or waiting for work: the submitter that sets it back to 0 wakes it.</summary>
    private int sleeping;

    /// <summary>Submitters between their look at <see cref="stopped"/> and their wake-up call: stopping waits for them.</summary>
    private int submitting;

    private readonly IPartitionGuard partitions;

    public GroupCommit(ICommitStore store, GroupCommitOptions options, GroupCommitMetrics metrics, ILogger<GroupCommit> logger,
        IPartitionGuard? partitions = null)
    {
        options.Validate();
        this.store = store;
        this.partitions = partitions ?? UnfencedPartitions.Instance;
        this.options = options;
        this.logger = logger;
        Metrics = metrics;
        metrics.Observe(() => Volatile.Read(ref pendingRecords));
        loop = new Thread(FlushLoop) { IsBackground = true, Name = "commit-log" };
        loop.Start();
    }

    public GroupCommitOptions Options => options;

    public GroupCommitMetrics Metrics { get; }

    /// <summary>Records waiting or being flushed.</summary>
    public long PendingRecords => Volatile.Read(ref pendingRecords);

    /// <summary>Claims a new epoch for <paramref name="writer"/> and returns the activation's handle. Call before reading state.</summary>
    public Task<CommitWriter> OpenWriterAsync(string writer, CancellationToken cancellationToken) => OpenAsync(writer, null, cancellationToken);

    /// <summary>
    /// The same for a grain's writer: every flush of it also carries the fence of <paramref name="grain"/>'s partition in
    /// the epoch this silo holds it now, so once the partition is another silo's, nothing of this writer commits.
    /// </summary>
    /// <exception cref="PartitionMovedException">This silo does not serve the grain's partition now.</exception>
    public Task<CommitWriter> OpenWriterAsync(string writer, GrainId grain, CancellationToken cancellationToken) =>
        OpenAsync(writer, partitions.FenceFor(Partitions.Of(grain)), cancellationToken);

    private async Task<CommitWriter> OpenAsync(string writer, WriterFence? partitionFence, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(writer);
        var epoch = await store.ClaimEpochAsync(writer, cancellationToken).ConfigureAwait(false);
        Debug.Assert(epoch > 0, "epochs start at 1");
        return new CommitWriter(this, new WriterFence(writer, epoch), partitionFence);
    }

    /// <summary>Stops taking items and waits for what is pending to be flushed.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref stopped, 1) == 1)
        {
            loop.Join();
            return ValueTask.CompletedTask;
        }
        var spin = new SpinWait();
        while (Volatile.Read(ref submitting) > 0)
        {
            spin.SpinOnce();
        }
        wake.Release();
        loop.Join();
        // The semaphore is not disposed: it holds no handle unless one is asked for, and a submitter may still be
        // returning from its Release.
        return ValueTask.CompletedTask;
    }

    internal void EnsureCapacity(int records)
    {
        var waiting = Volatile.Read(ref pendingRecords);
        if (waiting > 0 && waiting + records > options.PendingRecordsMax)
        {
            Metrics.Refused();
            throw new CommitRefusedException(
                $"the commit log holds {waiting} records, its limit is {options.PendingRecordsMax}; retry later", options.RetryAfter);
        }
    }

    internal Task Submit(CommitWriter writer, CommitItem item)
    {
        if (writer.Failure is { } failed)
        {
            return Task.FromException(failed);
        }
        item.Attach(writer);
        Interlocked.Increment(ref submitting);
        try
        {
            if (Stopped)
            {
                return Task.FromException(new CommitFailedException("the commit log is stopped", null, options.RetryAfter));
            }
            Interlocked.Add(ref pendingRecords, item.Records);
            pending.Enqueue(item);
            if (Volatile.Read(ref sleeping) == 1 && Interlocked.Exchange(ref sleeping, 0) == 1)
            {
                wake.Release();
            }
        }
        finally
        {
            Interlocked.Decrement(ref submitting);
        }
        return item.Done;
    }

    private void FlushLoop()
    {
        while (true)
        {
            if (!pending.IsEmpty)
            {
                Flush(TakeBatch());
                continue;
            }
            if (Stopped)
            {
                // A submitter that saw the log running is between its increment and its decrement: once none is (after
                // the stop was seen), nothing more can be queued, and what is queued is flushed first.
                if (Volatile.Read(ref submitting) == 0 && pending.IsEmpty)
                {
                    return;
                }
                Thread.Yield();
                continue;
            }
            Interlocked.Exchange(ref sleeping, 1);
            if (pending.IsEmpty && !Stopped)
            {
                // A wake-up meant for an earlier wait may end this one early: the loop looks again either way.
                wake.Wait();
            }
            Interlocked.Exchange(ref sleeping, 0);
        }
    }

    /// <summary>Takes items in order up to the flush bound (always at least one). Only the loop dequeues.</summary>
    private List<CommitItem> TakeBatch()
    {
        var batch = new List<CommitItem>(64);
        long records = 0;
        while (pending.TryPeek(out var next) && (batch.Count == 0 || records + next.Records <= options.FlushRecordsMax))
        {
            pending.TryDequeue(out var item);
            Debug.Assert(ReferenceEquals(item, next), "the loop is the only consumer");
            records += item!.Records;
            batch.Add(item);
        }
        Debug.Assert(batch.Count > 0, "the loop takes a batch only when something is pending");
        return batch;
    }

    private void Flush(List<CommitItem> items)
    {
        var live = new List<CommitItem>(items.Count);
        foreach (var item in items)
        {
            if (item.Writer.Failure is { } failed)
            {
                Fail(item, failed);
            }
            else
            {
                live.Add(item);
            }
        }

        while (live.Count > 0)
        {
            var sequence = ++flushSequence;
            var fences = FencesOf(live);
            var started = Stopwatch.GetTimestamp();
            try
            {
                store.Commit(new CommitBatch(sequence, live, fences));
            }
            catch (StaleWriterException stale) when (stale.Fences.Any(fences.Contains))
            {
                live = DropStale(live, stale);
                continue;
            }
            catch (Exception error)
            {
                Metrics.FlushFailed();
                logger.LogError(error, "commit flush {Sequence} of {Items} items failed; their writers reload from storage", sequence, live.Count);
                var failure = new CommitFailedException($"the flush holding this change did not commit: {error.Message}", error, options.RetryAfter);
                foreach (var item in live)
                {
                    item.Writer.MarkFailed(failure);
                    Fail(item, failure);
                }
                return;
            }

            long records = 0;
            foreach (var item in live)
            {
                records += item.Records;
            }
            Metrics.Flushed(live.Count, records, Stopwatch.GetElapsedTime(started));
            Release(records);
            foreach (var item in live)
            {
                item.Complete();
            }
            return;
        }
    }

    /// <summary>Fails the items a stale epoch touches (and everything after them of the same writers); returns the rest, in order.</summary>
    private List<CommitItem> DropStale(List<CommitItem> live, StaleWriterException stale)
    {
        var staleFences = new HashSet<WriterFence>(stale.Fences);
        var retry = new List<CommitItem>(live.Count);
        foreach (var item in live)
        {
            if (item.Writer.Failure is { } failed)
            {
                Fail(item, failed);
            }
            else if (item.Writer.Fences.Any(staleFences.Contains) || item.Fences.Any(staleFences.Contains))
            {
                Metrics.StaleItem();
                var error = new StaleWriterException([.. staleFences.Where(f => item.Writer.Fences.Contains(f) || item.Fences.Contains(f))]);
                item.Writer.MarkFailed(error);
                Fail(item, error);
            }
            else
            {
                retry.Add(item);
            }
        }
        logger.LogWarning("commit: {Dropped} items of stale writers ({Fences}) refused; {Retried} retried", live.Count - retry.Count,
            string.Join(", ", stale.Fences), retry.Count);
        return retry;
    }

    private static List<WriterFence> FencesOf(List<CommitItem> items)
    {
        var fences = new HashSet<WriterFence>();
        foreach (var item in items)
        {
            foreach (var fence in item.Writer.Fences)
            {
                fences.Add(fence);
            }
            foreach (var fence in item.Fences)
            {
                fences.Add(fence);
            }
        }
        return [.. fences];
    }

    private void Fail(CommitItem item, Exception error)
    {
        Release(item.Records);
        item.Fail(error);
    }

    private void Release(long records)
    {
        var left = Interlocked.Add(ref pendingRecords, -records);
        Debug.Assert(left >= 0, "released more records than were pending");
    }
}
