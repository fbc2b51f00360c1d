using ClearingCluster.Runtime.Calls;
using ClearingCluster.Runtime.Persistence;
using Microsoft.Extensions.Logging;

namespace ClearingCluster.Runtime.Activation;

/// <summary>
/// The single in-memory instance of one grain id: its mailbox, its scheduler, its lifecycle.
/// A call is queued in the mailbox and started by the pump when no conflicting call runs; the grain's
/// code then runs turn by turn on <see cref="Scheduler"/>. All mailbox and lifecycle changes happen under
/// <see cref="gate"/>; grain code never runs under it.
/// </summary>
internal sealed class GrainActivation
{
    private readonly GrainRuntime runtime;
    private readonly object gate = new();
    private readonly Queue<IWorkItem> mailbox = new();
    private long lastQueuedDeadlineMs;
    private bool deadlinesOutOfOrder;
    private readonly List<IWorkItem> running = new(1);
    private readonly TaskCompletionSource deactivated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<IDisposable> ownedResources = [];
    private readonly List<IPersistentStateLoader> states = [];

    private ActivationStatus status = ActivationStatus.Created;
    private int runningWritersCount;
    private int runningInterleavingCount;
    private bool pumpScheduled;
    private bool deactivationStarted;
    private bool activationCompleted;
    private DeactivationReason deactivationReason;
    private Grain? grain;
    private long lastActiveMs = RuntimeClock.NowMs;
    private int queuedCount;

    public GrainActivation(GrainRuntime runtime, GrainId id, int partition, long partitionEpoch)
    {
        this.runtime = runtime;
        GrainId = id;
        Partition = partition;
        PartitionEpoch = partitionEpoch;
        Scheduler = new ActivationScheduler(this);
    }

    public GrainId GrainId { get; }

    public int Partition { get; }

    /// <summary>The epoch of <see cref="Partition"/> this activation lives in (0 when ownership is not kept): it serves no other.</summary>
    public long PartitionEpoch { get; }

    public ActivationScheduler Scheduler { get; }

    public GrainRuntime Runtime => runtime;

    /// <summary>Completes when the activation has fully deactivated (or failed to activate).</summary>
    public Task Deactivated => deactivated.Task;

    public long LastActiveMs => Volatile.Read(ref lastActiveMs);

    /// <summary>Calls waiting in the mailbox; read without the lock, for the depth gauge.</summary>
    public int QueuedCount => Volatile.Read(ref queuedCount);

    public int MailboxCount
    {
        get { lock (gate) { return mailbox.Count; } }
    }

    internal ActivationStatus Status
    {
        get { lock (gate) { return status; } }
    }

    internal void AddState(IPersistentStateLoader state) => states.Add(state);

    internal void Own(IDisposable resource)
    {
        lock (gate)
        {
            ownedResources.Add(resource);
        }
    }

    internal void Disown(IDisposable resource)
    {
        lock (gate)
        {
            ownedResources.Remove(resource);
        }
    }

    public EnqueueResult TryEnqueue(IWorkItem item, bool enforceCapacity = true)
    {
        bool activate = false, pump = false;
        lock (gate)
        {
            if (status >= ActivationStatus.Deactivating)
            {
                return EnqueueResult.Deactivating;
            }
            if (enforceCapacity && mailbox.Count >= runtime.Options.MailboxCapacity)
            {
                return EnqueueResult.Full;
            }
            if (mailbox.Count == 0)
            {
                deadlinesOutOfOrder = false;
            }
            else if (item.DeadlineMs < lastQueuedDeadlineMs)
            {
                // A call from another silo (the caller's remaining time) or one routed back here (its first deadline).
                deadlinesOutOfOrder = true;
            }
            lastQueuedDeadlineMs = item.DeadlineMs;
            mailbox.Enqueue(item);
            queuedCount = mailbox.Count;
            if (status == ActivationStatus.Created)
            {
                status = ActivationStatus.Activating;
                activate = true;
            }
            else
            {
                pump = ClaimPumpIfStartable();
            }
        }

        if (activate)
        {
            RunOnScheduler(static state => ((GrainActivation)state!).ActivateAsync(), this);
        }
        else if (pump)
        {
            RunPump();
        }
        return EnqueueResult.Enqueued;
    }

    /// <summary>Asks the activation to deactivate once no call is running. New calls go to a new activation.</summary>
    public void RequestDeactivation(DeactivationReason reason)
    {
        bool start = false, neverActivated = false;
        lock (gate)
        {
            if (status is ActivationStatus.Deactivating or ActivationStatus.Deactivated)
            {
                return;
            }
            if (status is ActivationStatus.Created)
            {
                status = ActivationStatus.Deactivated;
                neverActivated = true;
            }
            else
            {
                status = ActivationStatus.Deactivating;
                deactivationReason = reason;
                start = ClaimDeactivationIfIdle();
            }
        }

        if (start)
        {
            RunOnScheduler(static state => ((GrainActivation)state!).DeactivateAsync(), this);
        }
        else if (neverActivated)
        {
            FinishDeactivation();
        }
    }

    /// <summary>Deactivates if idle for at least <paramref name="idleTicks"/>; returns whether it started.</summary>
    public bool TryCollect(long nowMs, long idleMs)
    {
        lock (gate)
        {
            if (status != ActivationStatus.Active || mailbox.Count > 0 || running.Count > 0 || pumpScheduled
                || nowMs - LastActiveMs < idleMs)
            {
                return false;
            }
            status = ActivationStatus.Deactivating;
            deactivationReason = DeactivationReason.IdleCollection;
            deactivationStarted = true;
        }

        RunOnScheduler(static state => ((GrainActivation)state!).DeactivateAsync(), this);
        return true;
    }

    /// <summary>
    /// Fails every queued or running call whose caller has stopped waiting; called by the runtime's periodic
    /// sweep. A running call goes on (its turn cannot be taken back), but its caller is told.
    /// </summary>
    public void ExpireCalls(long nowMs)
    {
        List<IWorkItem>? expired = null;
        lock (gate)
        {
            foreach (var item in running)
            {
                if (item.DeadlineMs <= nowMs)
                {
                    (expired ??= []).Add(item);
                }
            }
            // Deadlines usually grow in enqueue order (one timeout for all local calls), so the first live one ends the
            // scan; once a call with an earlier deadline was queued behind a later one, the whole mailbox is looked at.
            foreach (var item in mailbox)
            {
                if (item.DeadlineMs > nowMs)
                {
                    if (!deadlinesOutOfOrder)
                    {
                        break;
                    }
                    continue;
                }
                (expired ??= []).Add(item);
            }
        }

        if (expired is null)
        {
            return;
        }
        foreach (var item in expired)
        {
            if (!item.IsDone)
            {
                runtime.Metrics.CallTimedOut();
                item.Fail(new GrainCallTimeoutException(GrainId, item.Description, runtime.Options.CallTimeout));
            }
        }
    }

    private bool ClaimPumpIfStartable()
    {
        if (status != ActivationStatus.Active || pumpScheduled || mailbox.Count == 0 || !CanStart(mailbox.Peek()))
        {
            return false;
        }
        pumpScheduled = true;
        return true;
    }

    private bool ClaimDeactivationIfIdle()
    {
        if (status != ActivationStatus.Deactivating || !activationCompleted || deactivationStarted || running.Count > 0
            || pumpScheduled)
        {
            return false;
        }
        deactivationStarted = true;
        return true;
    }

    private bool CanStart(IWorkItem next) =>
        next.IsInterleaving
        || running.Count == runningInterleavingCount
        || (next.IsReadOnly && runningWritersCount == 0);

    private void SchedulePump() =>
        new Task(static state => ((GrainActivation)state!).Pump(), this).Start(Scheduler);

    /// <summary>Runs the pump on the caller's thread when the grain is idle; queues it otherwise.</summary>
    private void RunPump()
    {
        var pump = new Task(static state => ((GrainActivation)state!).Pump(), this);
        if (!Scheduler.TryRunInline(pump))
        {
            pump.Start(Scheduler);
        }
    }

    private void RunOnScheduler(Func<object?, Task> body, object state) =>
        _ = Task.Factory.StartNew(body, state, CancellationToken.None, TaskCreationOptions.DenyChildAttach, Scheduler).Unwrap();

    /// <summary>Starts queued work items while they may start; runs on the activation's scheduler.</summary>
    private void Pump()
    {
        while (true)
        {
            IWorkItem item;
            lock (gate)
            {
                if (status != ActivationStatus.Active || mailbox.Count == 0 || !CanStart(mailbox.Peek()))
                {
                    pumpScheduled = false;
                    break;
                }
                item = mailbox.Dequeue();
                queuedCount = mailbox.Count;
                running.Add(item);
                if (item.IsInterleaving)
                {
                    runningInterleavingCount++;
                }
                else if (!item.IsReadOnly)
                {
                    runningWritersCount++;
                }
            }

            if (item.IsDone)
            {
                FinishItem(item, finished: null, fromPump: true);
                continue;
            }
            if (item.KeepsAlive)
            {
                Volatile.Write(ref lastActiveMs, RuntimeClock.NowMs);
            }

            Task task;
            try
            {
                task = item.Start(grain!);
            }
            catch (Exception error)
            {
                task = Task.FromException(error);
            }

            if (task.IsCompleted)
            {
                FinishItem(item, task, fromPump: true);
            }
            else
            {
                task.ContinueWith(
                    static (finished, state) =>
                    {
                        var (activation, item) = ((GrainActivation, IWorkItem))state!;
                        activation.FinishItem(item, finished, fromPump: false);
                    },
                    (this, item),
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    Scheduler);
            }
        }

        StartDeactivationIfDue();
    }

    private void FinishItem(IWorkItem item, Task? finished, bool fromPump)
    {
        if (finished is not null)
        {
            runtime.Metrics.CallCompleted(item, finished);
            if (finished.IsFaulted && finished.Exception!.InnerExceptions.Any(e => e is InconsistentStateException))
            {
                runtime.Logger.LogWarning("grain {GrainId} lost a state write race; dropping the activation", GrainId);
                RequestDeactivation(DeactivationReason.InconsistentState);
            }
            item.Complete(finished);
        }

        bool pump;
        lock (gate)
        {
            running.Remove(item);
            if (item.IsInterleaving)
            {
                runningInterleavingCount--;
            }
            else if (!item.IsReadOnly)
            {
                runningWritersCount--;
            }
            pump = !fromPump && ClaimPumpIfStartable();
        }

        if (pump)
        {
            SchedulePump();
        }
        else if (!fromPump)
        {
            StartDeactivationIfDue();
        }
    }

    private void StartDeactivationIfDue()
    {
        bool start;
        lock (gate)
        {
            start = ClaimDeactivationIfIdle();
        }
        if (start)
        {
            _ = DeactivateAsync();
        }
    }

    private async Task ActivateAsync()
    {
        try
        {
            grain = runtime.Registry.CreateGrain(GrainId, this, runtime.Services);
            foreach (var state in states)
            {
                await state.LoadAsync(CancellationToken.None);
            }
            await grain.OnActivateAsync(CancellationToken.None);
        }
        catch (Exception error)
        {
            runtime.Logger.LogError(error, "grain {GrainId} failed to activate", GrainId);
            List<IWorkItem> pending;
            lock (gate)
            {
                pending = CloseMailbox();
            }
            FinishDeactivation();
            var failure = new GrainActivationException(GrainId, error);
            foreach (var item in pending)
            {
                item.Fail(failure);
            }
            return;
        }

        bool pump, deactivate;
        lock (gate)
        {
            activationCompleted = true;
            if (status == ActivationStatus.Activating)
            {
                status = ActivationStatus.Active;
            }
            pump = ClaimPumpIfStartable();
            deactivate = ClaimDeactivationIfIdle();
        }
        runtime.OnActivated(this);
        if (pump)
        {
            Pump();
        }
        else if (deactivate)
        {
            await DeactivateAsync();
        }
    }

    private async Task DeactivateAsync()
    {
        try
        {
            if (grain is not null)
            {
                using var timeout = new CancellationTokenSource(runtime.Options.DeactivationTimeout);
                await grain.OnDeactivateAsync(deactivationReason, timeout.Token);
            }
        }
        catch (Exception error)
        {
            runtime.Logger.LogError(error, "grain {GrainId} failed in OnDeactivateAsync", GrainId);
        }

        List<IWorkItem> leftover;
        List<IDisposable> resources;
        lock (gate)
        {
            leftover = CloseMailbox();
            resources = [.. ownedResources];
            ownedResources.Clear();
        }

        foreach (var resource in resources)
        {
            resource.Dispose();
        }
        runtime.Metrics.Deactivated(deactivationReason);
        FinishDeactivation();

        // Calls that arrived while deactivating go to the next activation of this id.
        foreach (var item in leftover)
        {
            runtime.Send(GrainId, item);
        }
    }

    /// <summary>Marks the activation deactivated and hands back what was still queued. Call under the gate.</summary>
    private List<IWorkItem> CloseMailbox()
    {
        status = ActivationStatus.Deactivated;
        List<IWorkItem> queued = [.. mailbox];
        mailbox.Clear();
        queuedCount = 0;
        return queued;
    }

    private void FinishDeactivation()
    {
        runtime.RemoveActivation(this);
        deactivated.TrySetResult();
    }
}

internal enum EnqueueResult
{
    Enqueued,
    Full,
    Deactivating,
}
