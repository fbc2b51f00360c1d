using FsCheck;
using FsCheck.Fluent;

namespace ClearingCluster.Runtime.Tests;

public sealed class ActivationTests
{
    [Fact]
    public async Task Thousands_of_callers_racing_on_first_call_create_exactly_one_activation()
    {
        await using var silo = await TestSilo.StartAsync();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var callers = Enumerable.Range(0, 4000).Select(async _ =>
        {
            await start.Task;
            return await silo.Grain<ICounterGrain>("race").ActivationNumber();
        }).ToList();
        start.SetResult();
        var seen = await Task.WhenAll(callers).Within();

        Assert.Equal(1, silo.Probe.ActivationsOf("race"));
        Assert.All(seen, n => Assert.Equal(1, n));
        Assert.Equal(1, silo.Runtime.ActivationCount);
    }

    [Fact]
    public void Any_interleaving_of_first_calls_yields_one_activation_per_id()
    {
        var property = Prop.ForAll(
            Gen.Choose(1, 20).SelectMany(ids => Gen.Choose(0, ids - 1).ArrayOf().Select(a => (ids, a))).ToArbitrary(),
            input =>
            {
                var (_, keys) = input;
                return RunAsync(keys).GetAwaiter().GetResult();
            });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(30).WithReplay(674386, 1), property);

        static async Task<bool> RunAsync(int[] keys)
        {
            await using var silo = await TestSilo.StartAsync();
            await Task.WhenAll(keys.Select(k => Task.Run(() => silo.Grain<ICounterGrain>($"k{k}").Add(1)))).Within();
            var distinct = keys.Distinct().ToArray();
            var totals = await Task.WhenAll(distinct.Select(k => silo.Grain<ICounterGrain>($"k{k}").Get()));
            return distinct.All(k => silo.Probe.ActivationsOf($"k{k}") == 1)
                && silo.Runtime.ActivationCount == distinct.Length
                && totals.Sum() == keys.Length;
        }
    }

    [Fact]
    public async Task State_is_loaded_before_OnActivateAsync()
    {
        await using var silo = await TestSilo.StartAsync();
        var payload = System.Text.Encoding.UTF8.GetBytes("""{"value":41}""");
        await silo.Storage.WriteAsync(GrainId.Create("counter", "preloaded"), "counter", payload, 0, CancellationToken.None);

        Assert.Equal(41, await silo.Grain<ICounterGrain>("preloaded").ValueSeenOnActivation());
    }

    [Fact]
    public async Task An_idle_grain_is_collected_with_OnDeactivateAsync_and_reactivates_with_its_state()
    {
        await using var silo = await TestSilo.StartAsync(o =>
        {
            o.CollectionAge = TimeSpan.FromMilliseconds(100);
            o.CollectionQuantum = TimeSpan.FromMilliseconds(25);
        });

        await silo.Grain<ICounterGrain>("idle").Add(7);
        var reason = await silo.Probe.WhenDeactivated("idle").Within();

        Assert.Equal(DeactivationReason.IdleCollection, reason);
        Assert.Equal(7, await silo.Grain<ICounterGrain>("idle").ValueSeenOnActivation());
        Assert.Equal(2, silo.Probe.ActivationsOf("idle"));
    }

    [Fact]
    public async Task Collection_empties_memory_of_many_idle_grains()
    {
        await using var silo = await TestSilo.StartAsync(o =>
        {
            o.CollectionAge = TimeSpan.FromMilliseconds(50);
            o.CollectionQuantum = TimeSpan.FromMilliseconds(20);
        });
        const int grains = 2000;

        await Task.WhenAll(Enumerable.Range(0, grains).Select(i => silo.Grain<ICounterGrain>($"many{i}").Get()));
        await Task.WhenAll(Enumerable.Range(0, grains).Select(i => silo.Probe.WhenDeactivated($"many{i}"))).Within();
        await WhenAsync(() => silo.Runtime.ActivationCount == 0);

        Assert.Equal(0, silo.Runtime.Metrics.Activations);
        Assert.Equal(0, silo.Runtime.CollectorBucketCount);
    }

    [Fact]
    public async Task A_busy_grain_is_not_collected()
    {
        await using var silo = await TestSilo.StartAsync(o =>
        {
            o.CollectionAge = TimeSpan.FromMilliseconds(50);
            o.CollectionQuantum = TimeSpan.FromMilliseconds(10);
        });
        var blocked = silo.Grain<ITurnGrain>("busy").Block("busy-gate");
        await WhenAsync(() => silo.Runtime.ActivationCount == 1);

        Assert.Equal(0, silo.Runtime.CollectIdleNow());
        silo.Gates.Open("busy-gate");
        await blocked.Within();
    }

    [Fact]
    public async Task DeactivateOnIdle_drops_the_activation_after_the_call_and_the_next_call_reactivates()
    {
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.Grain<ICounterGrain>("bye");
        await grain.Add(3);

        await grain.Deactivate();
        Assert.Equal(DeactivationReason.RequestedByGrain, await silo.Probe.WhenDeactivated("bye").Within());

        Assert.Equal(3, await grain.Get());
        Assert.Equal(2, silo.Probe.ActivationsOf("bye"));
    }

    [Fact]
    public async Task Calls_racing_a_deactivation_are_all_served_exactly_once()
    {
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.Grain<ICounterGrain>("churn");

        var adds = Enumerable.Range(0, 500).Select(i => i % 50 == 0 ? grain.Deactivate() : grain.Add(1)).ToList();
        await Task.WhenAll(adds).Within();

        Assert.Equal(490, await grain.Get());
    }

    /// <summary>Completes when the condition holds, polling; bounded by <see cref="Wait.Limit"/>.</summary>
    internal static async Task WhenAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Wait.Limit;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached in time");
            await Task.Delay(5);
        }
    }
}
