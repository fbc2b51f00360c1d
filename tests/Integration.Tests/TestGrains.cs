using System.Collections.Concurrent;
using ClearingCluster.Runtime;
using ClearingCluster.Runtime.Reminders;

namespace ClearingCluster.Integration.Tests;

public sealed class TallyState
{
    public long Total { get; set; }
}

public interface ITallyGrain : IGrainWithStringKey
{
    Task<long> Add(long amount);

    [ReadOnly]
    Task<long> Total();

    Task RemindEvery(int periodMs);
}

public sealed class TallyGrain(Signals signals, [PersistentState("tally")] IPersistentState<TallyState> state) : Grain, ITallyGrain, IRemindable
{
    public async Task<long> Add(long amount)
    {
        state.State.Total = checked(state.State.Total + amount);
        await state.WriteStateAsync();
        return state.State.Total;
    }

    public Task<long> Total() => Task.FromResult(state.State.Total);

    public Task RemindEvery(int periodMs) => RegisterOrUpdateReminder("tick", TimeSpan.Zero, TimeSpan.FromMilliseconds(periodMs));

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        signals.Raise($"{GetPrimaryKeyString()}:{reminderName}");
        return Task.CompletedTask;
    }
}

/// <summary>Events grains raise and tests await, per silo host.</summary>
public sealed class Signals
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> raised = new();

    public void Raise(string name) => Get(name).TrySetResult();

    public Task When(string name) => Get(name).Task.WaitAsync(TimeSpan.FromSeconds(30));

    private TaskCompletionSource Get(string name) =>
        raised.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
