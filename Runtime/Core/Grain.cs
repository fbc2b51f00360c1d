using ClearingCluster.Runtime.Activation;
using ClearingCluster.Runtime.Reminders;
using ClearingCluster.Runtime.Streams;
using ClearingCluster.Runtime.Timers;

namespace ClearingCluster.Runtime;

/// <summary>
/// Base class of every grain. The runtime creates one instance per grain id on first call, loads its
/// persistent state, calls <see cref="OnActivateAsync"/>, runs its calls one turn at a time, and calls
/// <see cref="OnDeactivateAsync"/> before collecting it.
/// </summary>
public abstract class Grain
{
    private GrainActivation? activation;

    public GrainId GrainId => Activation.GrainId;

    protected IGrainFactory GrainFactory => Activation.Runtime;

    protected IStreamProvider Streams => Activation.Runtime.Streams;

    internal GrainActivation Activation =>
        activation ?? throw new InvalidOperationException("the grain is not attached to an activation yet; do not use runtime services in its constructor");

    public string GetPrimaryKeyString() => GrainId.Key;

    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    internal void Attach(GrainActivation owner) => activation = owner;

    /// <summary>Deactivates this activation once the current call ends; the next call creates a fresh one.</summary>
    protected void DeactivateOnIdle() => Activation.RequestDeactivation(DeactivationReason.RequestedByGrain);

    /// <summary>
    /// Registers a timer whose callback runs as a turn of this grain (never overlapping a call). The next
    /// tick is due <paramref name="period"/> after the callback completes. Disposed with the activation.
    /// </summary>
    protected IDisposable RegisterGrainTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period) =>
        GrainTimer.Start(Activation, callback, dueTime, period);

    /// <summary>Registers (or updates) a durable reminder: it survives deactivation and restarts. The grain must implement <see cref="IRemindable"/>.</summary>
    protected Task RegisterOrUpdateReminder(string reminderName, TimeSpan dueTime, TimeSpan period)
    {
        if (this is not IRemindable)
        {
            throw new InvalidOperationException($"grain {GrainId} must implement IRemindable to register reminders");
        }
        return Activation.Runtime.Reminders.RegisterOrUpdateAsync(GrainId, reminderName, dueTime, period);
    }

    protected Task UnregisterReminder(string reminderName) =>
        Activation.Runtime.Reminders.UnregisterAsync(GrainId, reminderName);
}
