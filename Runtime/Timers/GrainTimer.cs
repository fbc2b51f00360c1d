using ClearingCluster.Runtime.Activation;
using ClearingCluster.Runtime.Calls;

namespace ClearingCluster.Runtime.Timers;

/// <summary>
/// A grain timer: each tick is queued as a turn of the grain, so it never overlaps a call; the next tick is
/// armed only after the callback completes, so ticks never pile up. Disposed with the activation.
/// </summary>
internal sealed class GrainTimer : IDisposable
{
    private readonly GrainActivation activation;
    private readonly Func<CancellationToken, Task> callback;
    private readonly TimeSpan period;
    private readonly CancellationTokenSource disposed = new();
    private readonly Timer timer;

    private GrainTimer(GrainActivation activation, Func<CancellationToken, Task> callback, TimeSpan period)
    {
        this.activation = activation;
        this.callback = callback;
        this.period = period;
        timer = new Timer(static state => ((GrainTimer)state!).Tick(), this, Timeout.Infinite, Timeout.Infinite);
    }

    public static IDisposable Start(GrainActivation activation, Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (dueTime < TimeSpan.Zero || (period <= TimeSpan.Zero && period != Timeout.InfiniteTimeSpan))
        {
            throw new ArgumentOutOfRangeException(nameof(period), "timer due time must be ≥ 0 and period > 0 (or infinite)");
        }
        var grainTimer = new GrainTimer(activation, callback, period);
        activation.Own(grainTimer);
        grainTimer.timer.Change(dueTime, Timeout.InfiniteTimeSpan);
        return grainTimer;
    }

    private void Tick()
    {
        if (disposed.IsCancellationRequested)
        {
            return;
        }
        var turn = new TurnWorkItem("timer", _ => callback(disposed.Token), keepsAlive: false);
        if (activation.TryEnqueue(turn, enforceCapacity: false) != EnqueueResult.Enqueued)
        {
            return;
        }
        turn.Task.ContinueWith(
            static (_, state) => ((GrainTimer)state!).Rearm(),
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void Rearm()
    {
        if (disposed.IsCancellationRequested || period == Timeout.InfiniteTimeSpan)
        {
            return;
        }
        try
        {
            timer.Change(period, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // Disposed between the check and the change: nothing more to arm.
        }
    }

    public void Dispose()
    {
        if (disposed.IsCancellationRequested)
        {
            return;
        }
        disposed.Cancel();
        timer.Dispose();
        activation.Disown(this);
    }
}
