using ClearingCluster.Runtime.Cluster;
using ClearingCluster.Runtime.Durability;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClearingCluster.Runtime.Tests.Cluster;

/// <summary>
/// Ownership acted on: a grain's partition is a stable hash of its id; the runtime delivers a call only while the silo
/// serves the grain's partition, and an activation lives in one epoch of it; a grain's writer carries the partition's
/// fence, so a flush after the partition changed hands is refused; the keeper answers all of it from its leases.
/// </summary>
public sealed class PartitionGuardTests
{
    /// <summary>What a silo's keeper would say, set by the test: partition → epoch served (absent: not served).</summary>
    private sealed class SetGuard(long epoch) : IPartitionGuard
    {
        public Dictionary<int, long?> Epochs { get; } = [];

        public long? ServingEpoch(int partition) => Epochs.TryGetValue(partition, out var set) ? set : epoch;

        public WriterFence? FenceFor(int partition) =>
            ServingEpoch(partition) is { } served ? Partitions.Fence(partition, served) : throw new PartitionMovedException(partition);

        public event Action<IReadOnlyCollection<int>>? Gained;

        public void Gain(int partition, long epoch)
        {
            Epochs[partition] = epoch;
            Gained?.Invoke([partition]);
        }
    }

    private sealed class Item() : CommitItem(1);

    [Fact]
    public void A_grains_partition_is_a_stable_hash_of_type_and_key_spread_over_every_partition()
    {
        // Pinned: silos and gateways of different builds must agree, so these never change.
        Assert.Equal(Partitions.Of(new GrainId("account", "acme")), Partitions.Of(GrainId.Create("account", "acme")));
        Assert.Equal([PinnedAcme, PinnedBook, PinnedEmpty],
            [Partitions.Of(new GrainId("account", "acme")), Partitions.Of(new GrainId("book", "P-1")), Partitions.Of(new GrainId("ledger", ""))]);
        Assert.NotEqual(Partitions.Of(new GrainId("account", "acme")), Partitions.Of(new GrainId("book", "acme")));

        var counts = new int[Partitions.Count];
        for (var i = 0; i < 200_000; i++)
        {
            counts[Partitions.Of(new GrainId("account", $"member-{i}"))]++;
        }
        // ~195 a partition on average: a uniform hash stays well within ±40 %.
        Assert.InRange(counts.Min(), 117, 195);
        Assert.InRange(counts.Max(), 195, 273);
    }

    private const int PinnedAcme = 437;
    private const int PinnedBook = 487;
    private const int PinnedEmpty = 777;

    [Fact]
    public async Task The_runtime_refuses_calls_for_a_partition_it_does_not_serve_and_a_newer_epoch_gets_a_new_activation()
    {
        var guard = new SetGuard(1);
        var shared = new ServiceCollection().AddSingleton<IPartitionGuard>(guard);
        await using var silo = await TestSilo.StartAsync(shared: shared);
        var counter = silo.Grain<ICounterGrain>("k");
        var partition = Partitions.Of(new GrainId(silo.Runtime.Registry.TypeNameFor(typeof(ICounterGrain)), "k"));
        Assert.Equal(5, await counter.Add(5).Within());
        Assert.Equal(1, await counter.ActivationNumber().Within());

        guard.Epochs[partition] = null;
        var moved = await Assert.ThrowsAsync<PartitionMovedException>(() => counter.Add(1).Within());
        Assert.Equal(partition, moved.Partition);
        // Another grain's partition is still served.
        var other = Enumerable.Range(0, 100).Select(i => $"other-{i}")
            .First(k => Partitions.Of(new GrainId(silo.Runtime.Registry.TypeNameFor(typeof(ICounterGrain)), k)) != partition);
        Assert.Equal(2, await silo.Grain<ICounterGrain>(other).Add(2).Within());

        // Served again, in a newer epoch: the call reaches a new activation, which reads what is stored.
        guard.Epochs[partition] = 2;
        Assert.Equal(6, await counter.Add(1).Within());
        Assert.Equal(2, await counter.ActivationNumber().Within());
        Assert.Equal(5, await counter.ValueSeenOnActivation().Within());

        // Lost and taken again between two calls (no call saw it unserved): the activation of epoch 2 serves nothing of epoch 3.
        guard.Epochs[partition] = 3;
        Assert.Equal(7, await counter.Add(1).Within());
        Assert.Equal(3, await counter.ActivationNumber().Within());
        Assert.Equal(6, await counter.ValueSeenOnActivation().Within());
    }

    /// <summary>
    /// A silo that takes a partition reads its grains' reminders again: one the previous owner registered after this silo
    /// started (so it was not in the table this silo read at start) fires here once the partition is taken.
    /// </summary>
    [Fact]
    public async Task Taking_a_partition_reads_its_reminders_again_and_one_registered_by_the_previous_owner_fires_here()
    {
        var guard = new SetGuard(1);
        var shared = new ServiceCollection().AddSingleton<IPartitionGuard>(guard);
        await using var silo = await TestSilo.StartAsync(o =>
        {
            o.ReminderPollPeriod = TimeSpan.FromMilliseconds(10);
            o.ReminderPeriodMin = TimeSpan.FromMilliseconds(10);
        }, shared);
        var grain = new GrainId(silo.Runtime.Registry.TypeNameFor(typeof(IReminderGrain)), "handed-over");
        var partition = Partitions.Of(grain);
        guard.Epochs[partition] = null;
        await silo.Runtime.Services.GetRequiredService<Reminders.IReminderTable>()
            .UpsertAsync(new Reminders.ReminderEntry(grain, "cut-off", DateTimeOffset.UtcNow - TimeSpan.FromMinutes(1), TimeSpan.FromHours(1)), CancellationToken.None);
        Assert.Equal(0, silo.Runtime.Reminders.Count);

        guard.Gain(partition, 2);

        // The tick missed while another silo held it fires once here.
        await silo.Probe.WhenCount("reminder:handed-over:cut-off", 1).Within();
        Assert.Equal(1, silo.Runtime.Reminders.Count);
    }

    /// <summary>
    /// A reminder every silo read at start, unregistered since by the silo serving it, does not come back to life when
    /// this silo takes the partition: the reload drops what the table no longer holds.
    /// </summary>
    [Fact]
    public async Task Taking_a_partition_drops_a_reminder_the_previous_owner_unregistered()
    {
        var guard = new SetGuard(1);
        var table = new Reminders.MemoryReminderTable();
        var grain = new GrainId("test-reminder-type", "unregistered");
        await table.UpsertAsync(new Reminders.ReminderEntry(grain, "gone", DateTimeOffset.UtcNow.AddHours(1), TimeSpan.FromHours(1)), CancellationToken.None);
        var shared = new ServiceCollection().AddSingleton<IPartitionGuard>(guard).AddSingleton<Reminders.IReminderTable>(table);
        await using var silo = await TestSilo.StartAsync(shared: shared);
        Assert.NotNull(silo.Runtime.Reminders.ScheduleOf(grain, "gone"));

        await table.RemoveAsync(grain, "gone", CancellationToken.None);
        await silo.Runtime.Reminders.ReloadAsync([Partitions.Of(grain)]);

        Assert.Null(silo.Runtime.Reminders.ScheduleOf(grain, "gone"));
    }

    [Fact]
    public async Task A_grains_writer_carries_its_partitions_fence_and_commits_nothing_once_the_partition_changed_hands()
    {
        var store = new MemoryCommitStore();
        var guard = new SetGuard(1);
        await using var lane = new GroupCommit(store, new GroupCommitOptions(), new GroupCommitMetrics(), NullLogger<GroupCommit>.Instance, guard);
        var grain = new GrainId("account", "acme");
        var partition = Partitions.Of(grain);
        Assert.Equal(1, await store.ClaimEpochAsync($"partition/{partition}", CancellationToken.None));

        var writer = await lane.OpenWriterAsync("account/acme", grain, CancellationToken.None);
        Assert.Equal(Partitions.Fence(partition, 1), writer.PartitionFence);
        await writer.CommitAsync(new Item()).Within();
        Assert.Contains(Partitions.Fence(partition, 1), store.Committed.Single().Fences);

        // Another silo acquired the partition (epoch 2): this writer's next flush is refused and the writer is done for.
        await store.ClaimEpochAsync($"partition/{partition}", CancellationToken.None);
        var stale = await Assert.ThrowsAsync<StaleWriterException>(() => writer.CommitAsync(new Item()).Within());
        Assert.Contains(Partitions.Fence(partition, 1), stale.Fences);
        Assert.True(writer.IsFailed);
        Assert.Single(store.Committed);

        // A silo that does not serve the partition cannot open a writer for its grains at all.
        guard.Epochs[partition] = null;
        await Assert.ThrowsAsync<PartitionMovedException>(() => lane.OpenWriterAsync("account/acme", grain, CancellationToken.None));
    }

    [Fact]
    public async Task The_keeper_serves_a_partition_in_its_epoch_until_its_local_deadline_and_not_after_a_loss_or_a_release()
    {
        long now = 1_000_000;
        var timings = new ClusterTimings { Lease = TimeSpan.FromSeconds(10), RenewEvery = TimeSpan.FromSeconds(3) };
        var ownership = new MemoryOwnership(() => now);
        var keeper = new PartitionKeeper(ownership, timings, "silo-a", () => now);
        Assert.Null(keeper.ServingEpoch(7));
        Assert.Throws<PartitionMovedException>(() => keeper.FenceFor(7));

        await keeper.KeepAsync(CancellationToken.None);
        Assert.Equal(1, keeper.ServingEpoch(7));
        Assert.Equal(Partitions.Fence(7, 1), keeper.FenceFor(7));

        // Not renewed: it stops serving at its own deadline (the lease less the clock-rate margin), before the lease ends.
        now += timings.SafeServeMicros - 1;
        Assert.Equal(1, keeper.ServingEpoch(7));
        now += 1;
        Assert.Null(keeper.ServingEpoch(7));

        // The lease ran out meanwhile: the next round's renewal is refused (a loss); it takes them again, each in epoch 2.
        now += timings.LeaseMicros;
        await keeper.KeepAsync(CancellationToken.None);
        Assert.Equal(Partitions.Count, keeper.Losses);
        Assert.Equal(2, keeper.ServingEpoch(7));
        Assert.Equal(Partitions.Fence(7, 2), keeper.FenceFor(7));

        await keeper.ReleaseAllAsync(CancellationToken.None);
        Assert.Null(keeper.ServingEpoch(7));
        Assert.Throws<PartitionMovedException>(() => keeper.FenceFor(7));
    }
}
