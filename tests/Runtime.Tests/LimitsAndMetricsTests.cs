using System.Diagnostics.Metrics;

namespace ClearingCluster.Runtime.Tests;

public sealed class LimitsAndMetricsTests
{
    [Fact]
    public async Task A_call_that_outlives_the_timeout_fails_with_a_timeout_and_so_does_the_call_queued_behind_it()
    {
        await using var silo = await TestSilo.StartAsync(o =>
        {
            o.CallTimeout = TimeSpan.FromMilliseconds(200);
            o.TimeoutSweepPeriod = TimeSpan.FromMilliseconds(20);
            o.DeactivationTimeout = TimeSpan.FromMilliseconds(200);
        });
        var grain = silo.Grain<ITurnGrain>("slow");

        var hanging = grain.Hang();
        var queued = grain.Work(1);

        var error = await Assert.ThrowsAsync<GrainCallTimeoutException>(() => queued.Within());
        Assert.Contains("ITurnGrain.Work", error.Message);
        Assert.Contains("200 ms", error.Message);
        var hangingError = await Assert.ThrowsAsync<GrainCallTimeoutException>(() => hanging.Within());
        Assert.Contains("ITurnGrain.Hang", hangingError.Message);
    }

    /// <summary>
    /// A call from another silo carries its caller's remaining time, so it may be queued behind calls that wait longer:
    /// it still times out at its own deadline, not when those ahead of it do.
    /// </summary>
    [Fact]
    public async Task A_call_with_an_earlier_deadline_queued_behind_later_ones_times_out_at_its_own()
    {
        await using var silo = await TestSilo.StartAsync(o => o.TimeoutSweepPeriod = TimeSpan.FromMilliseconds(20));
        var grain = silo.Grain<ITurnGrain>("queue");
        var blocker = grain.Block("queue-gate");
        await ActivationTests.WhenAsync(() => silo.Runtime.Metrics.MailboxDepth == 0 && silo.Runtime.ActivationCount == 1);
        var patient = grain.Work(0);

        var work = Calls.GrainMethodInvoker.For(typeof(ITurnGrain).GetMethod(nameof(ITurnGrain.Work))!);
        var hurried = work.Receive(silo.Runtime, new GrainId(silo.Runtime.Registry.TypeNameFor(typeof(ITurnGrain)), "queue"), [0],
            RuntimeClock.NowMs + 100, out _);

        await Assert.ThrowsAsync<GrainCallTimeoutException>(() => hurried.Within());
        Assert.False(patient.IsCompleted);
        silo.Gates.Open("queue-gate");
        await blocker.Within();
        Assert.Equal(0, await patient.Within());
    }

    [Fact]
    public void The_default_call_timeout_is_thirty_seconds() =>
        Assert.Equal(TimeSpan.FromSeconds(30), new GrainRuntimeOptions().CallTimeout);

    [Fact]
    public async Task A_full_mailbox_refuses_with_a_clear_error_and_recovers()
    {
        await using var silo = await TestSilo.StartAsync(o => o.MailboxCapacity = 10);
        var grain = silo.Grain<ITurnGrain>("full");
        var blocker = grain.Block("full-gate");
        await ActivationTests.WhenAsync(() => silo.Runtime.Metrics.MailboxDepth == 0 && silo.Runtime.ActivationCount == 1);

        var queued = Enumerable.Range(0, 10).Select(_ => grain.Work(0)).ToList();
        var error = await Assert.ThrowsAsync<GrainMailboxFullException>(() => grain.Work(0));

        Assert.Contains("10 calls queued", error.Message);
        silo.Gates.Open("full-gate");
        await blocker.Within();
        Assert.All(await Task.WhenAll(queued).Within(), r => Assert.Equal(0, r));
        Assert.Equal(0, await grain.Work(0));
    }

    [Fact]
    public async Task Counters_report_calls_failures_refusals_activations_and_queue_depth()
    {
        await using var silo = await TestSilo.StartAsync();
        var measurements = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == silo.Runtime.Metrics.Meter)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            lock (measurements)
            {
                measurements[instrument.Name] = instrument is ObservableGauge<long> ? value : measurements.GetValueOrDefault(instrument.Name) + value;
            }
        });
        listener.Start();

        await silo.Grain<ICounterGrain>("m1").Add(1);
        await silo.Grain<ICounterGrain>("m2").Add(1);
        await Assert.ThrowsAsync<ArgumentException>(() => silo.Grain<ICounterGrain>("m2").Fail("no"));
        await Assert.ThrowsAsync<RefusedException>(() => silo.Grain<ICounterGrain>("m2").Refuse("not allowed"));
        var blocker = silo.Grain<ITurnGrain>("m3").Block("m-gate");
        var waiting = silo.Grain<ITurnGrain>("m3").Work(0);
        await ActivationTests.WhenAsync(() => silo.Runtime.Metrics.MailboxDepth == 1);
        listener.RecordObservableInstruments();

        lock (measurements)
        {
            Assert.Equal(4, measurements["grain_calls"]);
            Assert.Equal(1, measurements["grain_call_failures"]);
            Assert.Equal(1, measurements["grain_call_refusals"]);
            Assert.Equal(3, measurements["grain_activations"]);
            Assert.Equal(1, measurements["grain_mailbox_depth"]);
        }
        silo.Gates.Open("m-gate");
        await Task.WhenAll(blocker, waiting).Within();
    }

    [Fact]
    public async Task A_stopped_runtime_refuses_calls()
    {
        var silo = await TestSilo.StartAsync();
        await silo.Runtime.StopAsync(CancellationToken.None);

        await Assert.ThrowsAsync<GrainRuntimeStoppedException>(() => silo.Grain<ICounterGrain>("late").Get());
        await silo.DisposeAsync();
    }
}
