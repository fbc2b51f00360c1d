using System.Collections.Concurrent;

namespace ClearingCluster.Runtime.Tests;

/// <summary>What test grains report back: activations, deactivations, overlaps, events. A singleton per silo.</summary>
public sealed class Probe
{
    private readonly ConcurrentDictionary<string, int> activations = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<DeactivationReason>> deactivations = new();
    private readonly ConcurrentDictionary<string, int> counts = new();
    private readonly ConcurrentDictionary<(string Name, int Count), TaskCompletionSource> waiters = new();
    private int overlapsSeen;

    public ConcurrentQueue<string> Events { get; } = new();

    public int OverlapsSeen => Volatile.Read(ref overlapsSeen);

    public int ActivationsOf(string key) => activations.GetValueOrDefault(key);

    public void Activated(string key) => activations.AddOrUpdate(key, 1, (_, n) => n + 1);

    public void Deactivated(string key, DeactivationReason reason) => DeactivationOf(key).TrySetResult(reason);

    public Task<DeactivationReason> WhenDeactivated(string key) => DeactivationOf(key).Task;

    public void ResetDeactivation(string key) => deactivations.TryRemove(key, out _);

    public void Overlap() => Interlocked.Increment(ref overlapsSeen);

    /// <summary>Counts a named event and wakes whoever waits for that count.</summary>
    public void Count(string name)
    {
        var reached = counts.AddOrUpdate(name, 1, (_, n) => n + 1);
        foreach (var (key, waiter) in waiters)
        {
            if (key.Name == name && reached >= key.Count)
            {
                waiter.TrySetResult();
            }
        }
    }

    public int CountOf(string name) => counts.GetValueOrDefault(name);

    /// <summary>Completes once <paramref name="name"/> has been counted <paramref name="count"/> times.</summary>
    public Task WhenCount(string name, int count)
    {
        var waiter = waiters.GetOrAdd((name, count), _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (CountOf(name) >= count)
        {
            waiter.TrySetResult();
        }
        return waiter.Task;
    }

    private TaskCompletionSource<DeactivationReason> DeactivationOf(string key) =>
        deactivations.GetOrAdd(key, _ => new TaskCompletionSource<DeactivationReason>(TaskCreationOptions.RunContinuationsAsynchronously));
}
