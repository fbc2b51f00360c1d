using System.Collections.Concurrent;

namespace ClearingCluster.Runtime.Activation;

/// <summary>
/// One per activation: runs the grain's tasks one at a time on the thread pool, so every turn of a grain —
/// the start of a call, each await continuation, each timer tick — is serialised without a thread per grain.
/// Grain code awaits capture this scheduler (it is <see cref="TaskScheduler.Current"/> while a turn runs).
/// </summary>
internal sealed class ActivationScheduler(GrainActivation owner) : TaskScheduler, IThreadPoolWorkItem
{
    /// <summary>Tasks run per thread-pool work item before yielding, so one busy grain cannot hog a thread.</summary>
    private const int TasksPerDrainMax = 64;

    [ThreadStatic]
    private static ActivationScheduler? running;

    private readonly ConcurrentQueue<Task> tasks = new();
    private int scheduled;

    public GrainActivation Owner => owner;

    public override int MaximumConcurrencyLevel => 1;

    public static bool IsRunningOn(ActivationScheduler scheduler) => running == scheduler;

    protected override void QueueTask(Task task)
    {
        tasks.Enqueue(task);
        if (Interlocked.Exchange(ref scheduled, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
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

        Volatile.Write(ref scheduled, 0);
        // A task queued after the loop looked but before the flag cleared would otherwise wait forever.
        if (!tasks.IsEmpty && Interlocked.Exchange(ref scheduled, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        running == this && TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks() => tasks.ToArray();
}
