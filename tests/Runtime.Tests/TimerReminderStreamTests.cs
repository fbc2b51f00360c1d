using ClearingCluster.Runtime.Streams;

namespace ClearingCluster.Runtime.Tests;

public sealed class TimerReminderStreamTests
{
    [Fact]
    public async Task A_timer_ticks_until_its_grain_deactivates()
    {
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.Grain<ITurnGrain>("ticking");
        await grain.StartTimer(periodMs: 5);
        await silo.Probe.WhenCount("timer:ticking", 3).Within();

        await silo.Runtime.StopAsync(CancellationToken.None);
        var ticksAtStop = silo.Probe.CountOf("timer:ticking");
        // A timer of a deactivated grain enqueues nothing; a fresh timer on another grain proves time moved on.
        await using var other = await TestSilo.StartAsync();
        await other.Grain<ITurnGrain>("witness").StartTimer(periodMs: 5);
        await other.Probe.WhenCount("timer:witness", 5).Within();

        Assert.Equal(ticksAtStop, silo.Probe.CountOf("timer:ticking"));
    }

    [Fact]
    public async Task A_reminder_fires_repeatedly_and_survives_deactivation()
    {
        await using var silo = await TestSilo.StartAsync(o =>
        {
            o.ReminderPollPeriod = TimeSpan.FromMilliseconds(10);
            o.ReminderPeriodMin = TimeSpan.FromMilliseconds(10);
        });
        var grain = silo.Grain<IReminderGrain>("r1");
        await grain.Register("settle", periodMs: 20);
        await silo.Probe.WhenCount("reminder:r1:settle", 2).Within();

        // Collect it between two reminder turns; the next tick must bring it back.
        await ActivationTests.WhenAsync(() => silo.Runtime.CollectIdleNow(TimeSpan.Zero) == 1);
        var ticksWhenCollected = silo.Probe.CountOf("reminder:r1:settle");
        await silo.Probe.WhenCount("reminder:r1:settle", ticksWhenCollected + 2).Within();
        await grain.Unregister("settle");

        Assert.Equal(2, silo.Probe.ActivationsOf("r1"));
        Assert.Equal(0, silo.Runtime.Reminders.Count);
    }

    [Fact]
    public async Task A_reminder_period_below_the_minimum_is_refused()
    {
        await using var silo = await TestSilo.StartAsync();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => silo.Grain<IReminderGrain>("r2").Register("fast", periodMs: 1));
        Assert.Equal(0, silo.Runtime.Reminders.Count);
    }

    [Fact]
    public async Task Stream_subscribers_receive_every_item_in_publish_order()
    {
        await using var silo = await TestSilo.StartAsync();
        var stream = silo.Runtime.Streams.GetStream<int>(new StreamId("numbers", "ordered"));
        var received = new List<int>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await stream.SubscribeAsync((n, token) =>
        {
            Assert.Equal(n + 1, token.Sequence);
            received.Add(n);
            if (received.Count == 1000)
            {
                all.SetResult();
            }
            return Task.CompletedTask;
        });

        for (var i = 0; i < 1000; i++)
        {
            await stream.OnNextAsync(i);
        }

        await all.Task.Within();
        Assert.Equal(Enumerable.Range(0, 1000), received);
    }

    [Fact]
    public async Task A_grain_subscriber_receives_items_in_order_as_its_own_turns()
    {
        await using var silo = await TestSilo.StartAsync();
        var listener = silo.Grain<IStreamListenerGrain>("listener");
        await listener.Listen("to-grain");
        var stream = silo.Runtime.Streams.GetStream<int>(new StreamId("numbers", "to-grain"));

        var publishers = Task.Run(async () =>
        {
            for (var i = 0; i < 300; i++)
            {
                await stream.OnNextAsync(i);
            }
        });
        await publishers.Within();
        await silo.Probe.WhenCount("stream:listener", 300).Within();

        Assert.Equal(Enumerable.Range(0, 300), await listener.Received());
        Assert.Equal(0, silo.Probe.OverlapsSeen);
    }

    [Fact]
    public async Task An_unsubscribed_subscriber_receives_nothing_more()
    {
        await using var silo = await TestSilo.StartAsync();
        var stream = silo.Runtime.Streams.GetStream<string>(new StreamId("events", "unsub"));
        var received = new List<string>();
        var subscription = await stream.SubscribeAsync((s, _) => { received.Add(s); return Task.CompletedTask; });
        await stream.OnNextAsync("before");

        await subscription.UnsubscribeAsync();
        await stream.OnNextAsync("after");

        Assert.Equal(["before"], received);
    }
}
