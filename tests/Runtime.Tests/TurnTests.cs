namespace ClearingCluster.Runtime.Tests;

public sealed class TurnTests
{
    [Fact]
    public async Task Calls_of_one_grain_never_overlap_even_across_awaits()
    {
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.Grain<ITurnGrain>("turns");

        await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(() => grain.Work(3)))).Within();

        Assert.Equal(0, silo.Probe.OverlapsSeen);
    }

    [Fact]
    public async Task Timer_callbacks_never_overlap_calls()
    {
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.Grain<ITurnGrain>("timed");
        await grain.StartTimer(periodMs: 1);

        var work = Enumerable.Range(0, 100).Select(_ => Task.Run(() => grain.Work(2))).ToList();
        await silo.Probe.WhenCount("timer:timed", 20).Within();
        await Task.WhenAll(work).Within();

        Assert.True(await grain.TimerTicks() >= 20);
        Assert.Equal(0, silo.Probe.OverlapsSeen);
    }

    [Fact]
    public async Task Read_only_calls_interleave_with_each_other()
    {
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.Grain<ITurnGrain>("readers");

        // Each reader waits until all three are inside at once: only interleaving lets this finish.
        var readers = Enumerable.Range(0, 3).Select(_ => grain.ReadUntil("meet", partiesMax: 3)).ToList();

        await Task.WhenAll(readers).Within();
        Assert.Equal(0, silo.Probe.OverlapsSeen);
    }

    [Fact]
    public async Task Read_only_calls_never_overlap_a_writer()
    {
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.Grain<ITurnGrain>("mixed");

        var calls = Enumerable.Range(0, 300).Select(i => Task.Run(() => i % 3 == 0 ? grain.Work(2) : grain.Read(3))).ToList();

        await Task.WhenAll(calls).Within();
        Assert.Equal(0, silo.Probe.OverlapsSeen);
    }

    [Fact]
    public async Task An_always_interleave_call_runs_beside_a_blocked_writer_and_does_not_hold_writers_back()
    {
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.Grain<ITurnGrain>("interleave");
        var blocked = grain.Block("interleave-gate");

        Assert.Equal(0, await grain.Interleaved().Within());
        var writer = grain.Work(1);
        Assert.False(writer.IsCompleted);

        silo.Gates.Open("interleave-gate");
        await Task.WhenAll(blocked, writer).Within();
        Assert.Equal(0, silo.Probe.OverlapsSeen);
    }

    [Fact]
    public async Task Different_grains_run_in_parallel()
    {
        await using var silo = await TestSilo.StartAsync();
        var first = silo.Grain<ITurnGrain>("p1").Block("parallel");
        var second = silo.Grain<ITurnGrain>("p2").ReadUntil("both-in", partiesMax: 1);

        await second.Within();
        Assert.False(first.IsCompleted);
        silo.Gates.Open("parallel");
        await first.Within();
    }
}
