namespace ClearingCluster.Runtime.Calls;

/// <summary>
/// Work the runtime itself runs on a grain as a turn: a timer tick, a reminder or a stream delivery.
/// Like a call, it never overlaps another non-read-only turn of the grain.
/// </summary>
internal sealed class TurnWorkItem(string description, Func<Grain, Task> body, bool keepsAlive)
    : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), IWorkItem
{
    public bool IsReadOnly => false;

    public bool IsInterleaving => false;

    public bool KeepsAlive => keepsAlive;

    public long DeadlineMs { get; set; } = long.MaxValue;

    public bool IsDone => Task.IsCompleted;

    public string Description => description;

    public Task Start(Grain grain) => body(grain);

    public void Complete(Task finished)
    {
        if (finished.IsFaulted)
        {
            TrySetException(finished.Exception!.InnerExceptions);
        }
        else if (finished.IsCanceled)
        {
            TrySetCanceled();
        }
        else
        {
            TrySetResult();
        }
    }

    public void Fail(Exception error) => TrySetException(error);
}
