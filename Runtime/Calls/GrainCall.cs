namespace ClearingCluster.Runtime.Calls;

/// <summary>A call from a caller to a grain method. The caller awaits <see cref="TaskCompletionSource{T}.Task"/>.</summary>
internal sealed class GrainCall<TResult>(GrainMethodInvoker<TResult> invoker, object?[] args)
    // Continuations run asynchronously so the caller's code never runs inside the grain's turn.
    : TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously), IWorkItem
{
    public bool IsReadOnly => invoker.IsReadOnly;

    public bool IsInterleaving => invoker.IsInterleaving;

    public bool KeepsAlive => true;

    public long DeadlineMs { get; set; } = long.MaxValue;

    public bool IsDone => Task.IsCompleted;

    public string Description => invoker.Name;

    public Task Start(Grain grain) => invoker.Invoke(grain, args);

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
            TrySetResult(invoker.ReturnsVoid ? default! : ((Task<TResult>)finished).Result);
        }
    }

    public void Fail(Exception error) => TrySetException(error);
}
