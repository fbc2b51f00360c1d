namespace ClearingCluster.Runtime.Calls;

/// <summary>A call from a caller to a grain method. The caller awaits <see cref="TaskCompletionSource{T}.Task"/>.</summary>
/// <param name="arrived">Sent here by another silo: answered here, or refused, never sent on (<see cref="IRemotableCall"/>).</param>
internal sealed class GrainCall<TResult>(GrainMethodInvoker<TResult> invoker, object?[] args, bool arrived = false)
    // Continuations run asynchronously so the caller's code never runs inside the grain's turn.
    : TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously), IRemotableCall
{
    private volatile bool started;

    public bool IsReadOnly => invoker.IsReadOnly;

    public bool IsInterleaving => invoker.IsInterleaving;

    public bool KeepsAlive => true;

    public long DeadlineMs { get; set; } = long.MaxValue;

    public bool IsDone => Task.IsCompleted;

    public string Description => invoker.Name;

    public GrainMethodInvoker Invoker => invoker;

    public object?[] Args => args;

    public bool Arrived => arrived;

    public bool Started => started;

    public Task Start(Grain grain)
    {
        started = true;
        return invoker.Invoke(grain, args);
    }

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

    public void SetRemoteResult(object? result) => TrySetResult(invoker.ReturnsVoid ? default! : (TResult)result!);
}
