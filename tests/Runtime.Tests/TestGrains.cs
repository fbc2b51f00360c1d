using ClearingCluster.Runtime.Reminders;
using ClearingCluster.Runtime.Streams;

namespace ClearingCluster.Runtime.Tests;

public sealed class CounterState
{
    public long Value { get; set; }

    public List<string> Log { get; set; } = [];
}

public interface ICounterGrain : IGrainWithStringKey
{
    Task<long> Add(long amount);

    [ReadOnly]
    Task<long> Get();

    Task<long> ValueSeenOnActivation();

    Task<int> ActivationNumber();

    Task Clear();

    Task<long> Version();

    Task Fail(string message);

    /// <summary>Throws a refusal: the grain's answer, not a failure.</summary>
    Task Refuse(string message);

    Task Deactivate();
}

public sealed class CounterGrain(Probe probe, [PersistentState("counter")] IPersistentState<CounterState> state) : Grain, ICounterGrain
{
    private long valueSeenOnActivation = -1;
    private int activationNumber;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        valueSeenOnActivation = state.State.Value;
        probe.Activated(GetPrimaryKeyString());
        activationNumber = probe.ActivationsOf(GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Deactivated(GetPrimaryKeyString(), reason);
        return Task.CompletedTask;
    }

    public async Task<long> Add(long amount)
    {
        state.State.Value = checked(state.State.Value + amount);
        await state.WriteStateAsync();
        return state.State.Value;
    }

    public Task<long> Get() => Task.FromResult(state.State.Value);

    public Task<long> ValueSeenOnActivation() => Task.FromResult(valueSeenOnActivation);

    public Task<int> ActivationNumber() => Task.FromResult(activationNumber);

    public Task Clear() => state.ClearStateAsync();

    public Task<long> Version() => Task.FromResult(state.Version);

    public Task Fail(string message) => throw new ArgumentException(message);

    public Task Refuse(string message) => throw new RefusedException(message);

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

public interface ITurnGrain : IGrainWithStringKey
{
    Task<int> Work(int yields);

    [ReadOnly]
    Task<int> Read(int yields);

    [ReadOnly]
    Task ReadUntil(string gate, int partiesMax);

    Task StartTimer(int periodMs);

    Task<int> TimerTicks();

    Task Block(string gate);

    Task Hang();

    [AlwaysInterleave]
    Task<int> Interleaved();
}

/// <summary>Checks on every turn that nothing else of this grain runs at the same time.</summary>
public sealed class TurnGrain(Probe probe, Gates gates) : Grain, ITurnGrain
{
    private int writersInside;
    private int readersInside;
    private int timerTicks;

    public async Task<int> Work(int yields)
    {
        Enter(writer: true);
        for (var i = 0; i < yields; i++)
        {
            await Task.Yield();
            Check(writer: true);
            await Task.Delay(1);
            Check(writer: true);
        }
        Leave(writer: true);
        return yields;
    }

    public async Task<int> Read(int yields)
    {
        Enter(writer: false);
        for (var i = 0; i < yields; i++)
        {
            await Task.Yield();
            Check(writer: false);
        }
        Leave(writer: false);
        return yields;
    }

    public async Task ReadUntil(string gate, int partiesMax)
    {
        Enter(writer: false);
        await gates.Arrive(gate, partiesMax);
        Leave(writer: false);
    }

    public Task StartTimer(int periodMs)
    {
        RegisterGrainTimer(async _ =>
        {
            Enter(writer: true);
            await Task.Yield();
            Check(writer: true);
            timerTicks++;
            probe.Count($"timer:{GetPrimaryKeyString()}");
            Leave(writer: true);
        }, TimeSpan.Zero, TimeSpan.FromMilliseconds(periodMs));
        return Task.CompletedTask;
    }

    public Task<int> TimerTicks() => Task.FromResult(timerTicks);

    public Task Block(string gate) => gates.Wait(gate);

    public Task Hang() => new TaskCompletionSource().Task;

    public Task<int> Interleaved() => Task.FromResult(writersInside);

    private void Enter(bool writer)
    {
        if (writer ? writersInside + readersInside > 0 : writersInside > 0)
        {
            probe.Overlap();
        }
        if (writer)
        {
            writersInside++;
        }
        else
        {
            readersInside++;
        }
    }

    private void Check(bool writer)
    {
        if (writer ? writersInside != 1 || readersInside != 0 : writersInside != 0)
        {
            probe.Overlap();
        }
    }

    private void Leave(bool writer)
    {
        if (writer)
        {
            writersInside--;
        }
        else
        {
            readersInside--;
        }
    }
}

/// <summary>Named gates tests open to release blocked grain calls, and barriers read-only calls meet at.</summary>
public sealed class Gates
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> gates = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> arrivals = new();

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> waiting = new();

    public Task Wait(string name)
    {
        Waiting(name).TrySetResult();
        return Gate(name).Task;
    }

    /// <summary>Completes once something waits at the gate: a grain's call has reached it and is running.</summary>
    public Task WhenWaiting(string name) => Waiting(name).Task;

    private TaskCompletionSource Waiting(string name) =>
        waiting.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public void Open(string name) => Gate(name).TrySetResult();

    public Task Arrive(string name, int parties)
    {
        if (arrivals.AddOrUpdate(name, 1, (_, n) => n + 1) >= parties)
        {
            Open(name);
        }
        return Wait(name);
    }

    private TaskCompletionSource Gate(string name) =>
        gates.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}

public interface IReminderGrain : IGrainWithStringKey
{
    Task Register(string name, int periodMs);

    Task Unregister(string name);
}

public sealed class ReminderGrain(Probe probe) : Grain, IReminderGrain, IRemindable
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.Activated(GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public Task Register(string name, int periodMs) =>
        RegisterOrUpdateReminder(name, TimeSpan.Zero, TimeSpan.FromMilliseconds(periodMs));

    public Task Unregister(string name) => UnregisterReminder(name);

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        probe.Count($"reminder:{GetPrimaryKeyString()}:{reminderName}");
        return Task.CompletedTask;
    }
}

public interface IStreamListenerGrain : IGrainWithStringKey
{
    Task Listen(string streamKey);

    Task<IReadOnlyList<int>> Received();
}

public sealed class StreamListenerGrain(Probe probe) : Grain, IStreamListenerGrain
{
    private readonly List<int> received = [];
    private int inside;

    public async Task Listen(string streamKey)
    {
        await Streams.GetStream<int>(new StreamId("numbers", streamKey)).SubscribeAsync(async (n, _) =>
        {
            if (++inside != 1)
            {
                probe.Overlap();
            }
            await Task.Yield();
            received.Add(n);
            probe.Count($"stream:{GetPrimaryKeyString()}");
            inside--;
        });
    }

    public Task<IReadOnlyList<int>> Received() => Task.FromResult<IReadOnlyList<int>>([.. received]);
}

/// <summary>A business rule's refusal, as a grain answers with one.</summary>
public sealed class RefusedException(string message) : Exception(message), IGrainRefusal;
