using ClearingCluster.Runtime.Cluster;
using Microsoft.Extensions.DependencyInjection;
using ClearingCluster.Runtime.Transport;

namespace ClearingCluster.Runtime.Tests.Transport;

/// <summary>
/// Calls between silos: a call for a partition another silo serves runs there and its answer or error comes back as
/// the same type; a stale map is mended by the owner's refusal; a call sent and never answered fails as "may have run";
/// a call too large for a frame, or for a partition nobody serves, fails without being sent.
/// </summary>
public sealed class TransportTests
{
    [Fact]
    public async Task A_call_for_a_partition_another_silo_serves_runs_there_and_its_answer_comes_back()
    {
        await using var cluster = await LocalCluster.StartAsync(2);
        var (a, b) = (cluster.Silos[0], cluster.Silos[1]);
        var key = cluster.KeyServedBy<ICounterGrain>(b.Name);

        Assert.Equal(5, await a.Silo.Grain<ICounterGrain>(key).Add(5).Within());
        Assert.Equal(7, await a.Silo.Grain<ICounterGrain>(key).Add(2).Within());
        await a.Silo.Grain<ICounterGrain>(key).Clear().Within();
        Assert.Equal(3, await b.Silo.Grain<ICounterGrain>(key).Add(3).Within());

        // One activation, at the owner; the caller holds none.
        Assert.True(b.Silo.Runtime.IsActive<ICounterGrain>(key));
        Assert.False(a.Silo.Runtime.IsActive<ICounterGrain>(key));
        // Many calls at once share the one connection and each gets its own answer.
        var keys = Enumerable.Range(0, 50).Select(i => cluster.KeyServedBy<ICounterGrain>(b.Name, $"many-{i}")).Distinct().ToList();
        var answers = await Task.WhenAll(keys.Select((k, i) => a.Silo.Grain<ICounterGrain>(k).Add(i + 1))).Within();
        Assert.Equal(Enumerable.Range(1, keys.Count).Select(i => (long)i), answers);
    }

    [Fact]
    public async Task An_error_at_the_owner_arrives_as_its_own_type_with_its_values()
    {
        await using var cluster = await LocalCluster.StartAsync(2);
        var a = cluster.Silos[0];
        var grain = a.Silo.Grain<ICounterGrain>(cluster.KeyServedBy<ICounterGrain>(cluster.Silos[1].Name));

        var refused = await Assert.ThrowsAsync<RefusedException>(() => grain.Refuse("not now").Within());
        Assert.Equal("not now", refused.Message);
        var failed = await Assert.ThrowsAsync<ArgumentException>(() => grain.Fail("bad value").Within());
        Assert.StartsWith("bad value", failed.Message);
    }

    [Fact]
    public async Task A_stale_map_is_mended_by_the_refusal_of_the_silo_it_names_and_the_call_reaches_the_new_owner()
    {
        await using var cluster = await LocalCluster.StartAsync(3);
        var (a, b, c) = (cluster.Silos[0], cluster.Silos[1], cluster.Silos[2]);
        var key = cluster.KeyServedBy<ICounterGrain>(b.Name);
        Assert.Equal(1, await a.Silo.Grain<ICounterGrain>(key).Add(1).Within());

        // B hands the partition to C; A's map still names B.
        cluster.Move(cluster.PartitionOf<ICounterGrain>(key), c.Name);
        Assert.Equal(b.Name, a.Map.OwnerOf(cluster.PartitionOf<ICounterGrain>(key))!.Silo);
        Assert.Equal(4, await a.Silo.Grain<ICounterGrain>(key).Add(4).Within());
        Assert.True(c.Silo.Runtime.IsActive<ICounterGrain>(key));
        Assert.Equal(c.Name, a.Map.OwnerOf(cluster.PartitionOf<ICounterGrain>(key))!.Silo);
    }

    [Fact]
    public async Task A_call_for_a_partition_nobody_serves_waits_for_an_owner_then_is_answered_moved_without_running()
    {
        await using var cluster = await LocalCluster.StartAsync(2, new TransportOptions { HandOverWait = TimeSpan.FromMilliseconds(300) });
        var (a, b) = (cluster.Silos[0], cluster.Silos[1]);
        var key = cluster.KeyServedBy<ICounterGrain>(b.Name);
        var partition = cluster.PartitionOf<ICounterGrain>(key);
        cluster.Move(partition, null);

        var moved = await Assert.ThrowsAsync<PartitionMovedException>(() => a.Silo.Grain<ICounterGrain>(key).Add(1).Within());
        Assert.Equal(partition, moved.Partition);
        Assert.False(b.Silo.Runtime.IsActive<ICounterGrain>(key));

        // Taken while a call waits: the call goes there.
        var waiting = a.Silo.Grain<ICounterGrain>(key).Add(2);
        cluster.Move(partition, b.Name);
        Assert.Equal(2, await waiting.Within());
    }

    [Fact]
    public async Task A_call_sent_whose_connection_breaks_fails_as_may_have_run_and_is_not_sent_again()
    {
        await using var cluster = await LocalCluster.StartAsync(2);
        var (a, b) = (cluster.Silos[0], cluster.Silos[1]);
        var key = cluster.KeyServedBy<ITurnGrain>(b.Name);
        var blocked = a.Silo.Grain<ITurnGrain>(key).Block("held");
        await b.Silo.Gates.WhenWaiting("held").Within();

        await b.Transport.StopAsync();
        var failed = await Assert.ThrowsAsync<SiloCallFailedException>(() => blocked.Within());
        Assert.True(failed.MayHaveRun);
        b.Silo.Gates.Open("held");
    }

    [Fact]
    public async Task A_call_over_the_frame_limit_is_refused_before_it_is_sent()
    {
        await using var cluster = await LocalCluster.StartAsync(2, new TransportOptions { MaxFrameBytes = 64 * 1024 });
        var (a, b) = (cluster.Silos[0], cluster.Silos[1]);
        var grain = a.Silo.Grain<ICounterGrain>(cluster.KeyServedBy<ICounterGrain>(b.Name));

        await Assert.ThrowsAsync<FrameTooLargeException>(() => grain.Refuse(new string('x', 70 * 1024)).Within());
        // The connection is fine for the next call.
        Assert.Equal(1, await grain.Add(1).Within());
    }

    /// <summary>
    /// Every silo reads every reminder, but fires only those of the partitions it serves: another silo's grain would be
    /// reached through the transport, and each tick would arrive once per silo.
    /// </summary>
    [Fact]
    public async Task Each_reminder_fires_at_the_silo_serving_its_grain_only()
    {
        var table = new Reminders.MemoryReminderTable();
        var probe = new Probe();
        var registry = new GrainTypeRegistry();
        registry.AddAssembly(typeof(TransportTests).Assembly);
        var type = registry.TypeNameFor(typeof(IReminderGrain));
        // Written before the silos start, due a minute ago, hourly: each fires once at start where it fires at all.
        var ownership = new TestSupport.FixedCluster(p => $"silo-{p % 2}");
        var (onA, onB) = (ownership.KeyServedBy(type, "silo-0", "a-grain"), ownership.KeyServedBy(type, "silo-1", "b-grain"));
        await table.UpsertAsync(new Reminders.ReminderEntry(new GrainId(type, onA), "hourly", DateTimeOffset.UtcNow.AddMinutes(-1), TimeSpan.FromHours(1)),
            CancellationToken.None);
        // B's own reminder ticks every 10 ms: its second tick means B has polled all its reminders through at least once.
        await table.UpsertAsync(new Reminders.ReminderEntry(new GrainId(type, onB), "often", DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(10)),
            CancellationToken.None);
        await using var cluster = await LocalCluster.StartAsync(2, shared: s => s.AddSingleton<Reminders.IReminderTable>(table).AddSingleton(probe),
            configure: o => (o.ReminderPollPeriod, o.ReminderPeriodMin) = (TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10)));

        await probe.WhenCount($"reminder:{onB}:often", 2).Within();
        await probe.WhenCount($"reminder:{onA}:hourly", 1).Within();
        // B skipped A's reminder in every poll: never fired, never advanced there. A fired it and scheduled the next hour.
        var atB = cluster.Silos[1].Silo.Runtime.Reminders.ScheduleOf(new GrainId(type, onA), "hourly")!.Value;
        Assert.False(atB.Firing);
        Assert.True(atB.NextTick < DateTimeOffset.UtcNow);
        Assert.True(cluster.Silos[0].Silo.Runtime.Reminders.ScheduleOf(new GrainId(type, onA), "hourly")!.Value.NextTick > DateTimeOffset.UtcNow.AddMinutes(30));
    }
}
