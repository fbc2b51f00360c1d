using System.Collections.Concurrent;

namespace ClearingCluster.Runtime.Activation;

/// <summary>
/// One per activation: runs the grain's tasks one at a time on the thread pool, so every turn of a grain —
/// the start of a call, each await continuation, each timer tick — is serialised without a thread per grain.
/// Grain code awaits capture this scheduler (it is <see cref="TaskScheduler.Current"/> while a turn runs).
/// <para>
/// The scheduler is owned by whoever set <see cref="scheduled"/>: a thread-pool drain, or a caller running a
/// turn inline (<see cref="TryRunInline"/>) when the grain was idle, which saves two thread-pool hops per call.
/// Either way only the owner executes the grain's tasks.
/// </para>
/// </summary>
internal sealed class ActivationScheduler(GrainActivation owner) : TaskScheduler, IThreadPoolWorkItem
{
    /// <summary>Tasks run per thread-pool work item before yielding, so one busy grain cannot hog a thread.</summary>
    private const int TasksPerDrainMax = 64;

    /// <summary>Grain calls nested inline on one thread (A calls B calls C…) before further ones are queued instead.</summary>
    private const int InlineDepthMax = 4;

    [ThreadStatic]
    private static ActivationScheduler? running;

    [ThreadStatic]
    private static int inlineDepth;

    private readonly ConcurrentQueue<Task> tasks = new();
    private int scheduled;

    public GrainActivation Owner => owner;

    public override int MaximumConcurrencyLevel => 1;

    /// <summary>
    /// Runs <paramref name="task"/> on the calling thread as a turn of this grain, if nothing else owns the
    /// scheduler; returns false (and runs nothing) otherwise, and the caller queues the task instead.
    /// </summary>
    public bool TryRunInline(Task task)
    {
        if (inlineDepth >= InlineDepthMax || Interlocked.CompareExchange(ref scheduled, 1, 0) != 0)
        {
            return false;
        }

        var outer = running;
        running = this;
        inlineDepth++;
        try
        {
            task.RunSynchronously(this);
        }
        finally
        {
            inlineDepth--;
            running = outer;
            Release();
        }
        return true;
    }

    protected override void QueueTask(Task task)
    {
        tasks.Enqueue(task);
        if (Interlocked.Exchange(ref scheduled, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
        }
    }

    void IThreadPoolWorkItem.Execute()
    {
        running = this;
        try
        {
            for (var i = 0; i < TasksPerDrainMax && tasks.TryDequeue(out var task); i++)
            {
                TryExecuteTask(task);
            }
        }
        finally
        {
            running = null;
        }
        Release();
    }

    /// <summary>Gives up ownership; a task queued meanwhile (it saw the scheduler owned) gets a drain of its own.</summary>
    private void Release()
    {
        Volatile.Write(ref scheduled, 0);
        if (!tasks.IsEmpty && Interlocked.Exchange(ref scheduled, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
        }
    }

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        running == this && TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks() => tasks.ToArray();
}
