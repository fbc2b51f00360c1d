using ClearingCluster.Runtime.Cluster;

namespace ClearingCluster.Runtime.Tests.Cluster;

/// <summary>
/// Balancing partitions between live silos: each partition goes to its rendezvous target; a joining silo gets its share
/// handed over (drained before it is released, each moved partition in a new epoch, the rest untouched); a leaving or
/// dead silo's share goes to the others; a free partition its target does not take is taken by another after a while.
/// </summary>
public sealed class RebalancingTests
{
    private readonly ClusterTimings timings = new() { Lease = TimeSpan.FromSeconds(10), RenewEvery = TimeSpan.FromSeconds(3) };
    private long now = 1_000_000;

    private PartitionKeeper Keeper(MemoryOwnership ownership, string name) => new(ownership, timings, name, () => now);

    [Fact]
    public void Placement_spreads_partitions_evenly_and_a_join_moves_only_the_joiners_share()
    {
        string[] two = ["a", "b"];
        string[] three = ["a", "b", "c"];
        var before = Enumerable.Range(0, Partitions.Count).Select(p => Placement.TargetOf(p, two)).ToArray();
        var after = Enumerable.Range(0, Partitions.Count).Select(p => Placement.TargetOf(p, three)).ToArray();
        foreach (var silo in three)
        {
            Assert.InRange(after.Count(t => t == silo), 280, 400);
        }
        // A partition changes hands only to the joiner.
        Assert.All(Enumerable.Range(0, Partitions.Count).Where(p => before[p] != after[p]), p => Assert.Equal("c", after[p]));
        Assert.Null(Placement.TargetOf(0, []));
    }

    [Fact]
    public void A_hand_overs_drain_leaves_time_to_renew_the_leases_still_held_whatever_the_settings()
    {
        var defaults = new ClusterTimings();
        Assert.InRange(defaults.DrainAtMost, TimeSpan.FromSeconds(3), defaults.RenewEvery);
        var late = new ClusterTimings { Lease = TimeSpan.FromSeconds(10), RenewEvery = TimeSpan.FromSeconds(9) };
        // Drain, then the next round's wait, then its renewal: still within the serving deadline.
        Assert.True(late.DrainAtMost + late.RenewEvery < TimeSpan.FromMicroseconds(late.SafeServeMicros));
        Assert.True(late.DrainAtMost > TimeSpan.Zero);
    }

    [Fact]
    public void Partitions_read_as_sorted_ranges()
    {
        Assert.Equal("0-3,7,9-12", Partitions.Ranges([12, 0, 1, 2, 3, 7, 9, 10, 11, 3]));
        Assert.Equal("5", Partitions.Ranges([5]));
        Assert.Equal("", Partitions.Ranges([]));
        Assert.Equal("0-1023", Partitions.Ranges(Enumerable.Range(0, Partitions.Count)));
    }

    [Fact]
    public async Task A_joining_silo_gets_its_share_handed_over_drained_first_each_in_a_new_epoch()
    {
        var ownership = new MemoryOwnership(() => now);
        var a = Keeper(ownership, "a");
        var b = Keeper(ownership, "b");
        await a.KeepAsync(CancellationToken.None, ["a"]);
        Assert.Equal(Partitions.Count, a.Snapshot().Held.Count);

        string[] live = ["a", "b"];
        var share = Enumerable.Range(0, Partitions.Count).Where(p => Placement.TargetOf(p, live) == "b").ToHashSet();
        // B's first round: everything is held, it takes nothing.
        await b.KeepAsync(CancellationToken.None, live);
        Assert.Empty(b.Snapshot().Held);

        var drained = new List<int>();
        a.Drain = (partitions, _) =>
        {
            // Drained while still held: not yet released, and no longer served here.
            Assert.All(partitions, p => Assert.Equal("a", ownership.Rows[p].Owner));
            Assert.All(partitions, p => Assert.Null(a.ServingEpoch(p)));
            drained.AddRange(partitions);
            return Task.CompletedTask;
        };
        now += 1_000_000;
        var handedTo = await a.KeepAsync(CancellationToken.None, live);
        Assert.Equal(["b"], handedTo);
        Assert.Equal(share, drained.ToHashSet());
        Assert.Equal(share.Count, a.HandedOver);

        await b.KeepAsync(CancellationToken.None, live);
        Assert.Equal(share, b.Snapshot().Held.Select(h => h.Partition).ToHashSet());
        Assert.All(share, p => Assert.Equal(2, b.ServingEpoch(p)));
        Assert.All(Enumerable.Range(0, Partitions.Count).Except(share), p => Assert.Equal(1, a.ServingEpoch(p)));
        AssertEachPartitionServedOnce(a, b);
    }

    [Fact]
    public async Task A_leaving_silos_share_and_a_dead_silos_share_go_to_the_others()
    {
        var ownership = new MemoryOwnership(() => now);
        var keepers = new[] { Keeper(ownership, "a"), Keeper(ownership, "b"), Keeper(ownership, "c") };
        string[] all = ["a", "b", "c"];
        await Rounds(keepers, all);
        AssertEachPartitionServedOnce(keepers);
        Assert.All(keepers, k => Assert.InRange(k.Snapshot().Held.Count, 280, 400));

        // C leaves: it lets its partitions go, and A and B take them in their next rounds.
        await keepers[2].ReleaseAllAsync(CancellationToken.None);
        await Rounds(keepers[..2], ["a", "b"]);
        Assert.Equal(Partitions.Count, keepers[0].Snapshot().Held.Count + keepers[1].Snapshot().Held.Count);
        AssertEachPartitionServedOnce(keepers[..2]);

        // B dies (stops renewing): nothing of it is taken while its lease runs; once it ran out, A takes B's share.
        now += timings.LeaseMicros / 2;
        await keepers[0].KeepAsync(CancellationToken.None, ["a"]);
        Assert.NotEqual(Partitions.Count, keepers[0].Snapshot().Held.Count);
        now += timings.LeaseMicros;
        await keepers[0].KeepAsync(CancellationToken.None, ["a"]);
        Assert.Equal(Partitions.Count, keepers[0].Snapshot().Held.Count);
        AssertEachPartitionServedOnce(keepers[0]);
    }

    [Fact]
    public async Task A_free_partition_its_target_does_not_take_is_taken_by_another_after_a_while()
    {
        var ownership = new MemoryOwnership(() => now);
        var a = Keeper(ownership, "a");
        await a.KeepAsync(CancellationToken.None, ["a"]);
        // A hands B's share over, but B never takes it (alive in the table, its keeper stuck).
        string[] live = ["a", "b"];
        await a.KeepAsync(CancellationToken.None, live);
        var share = Enumerable.Range(0, Partitions.Count).Count(p => Placement.TargetOf(p, live) == "b");
        Assert.Equal(Partitions.Count - share, a.Snapshot().Held.Count);

        now += (long)timings.TakeAnyFreeAfter.TotalMicroseconds - 1;
        await a.KeepAsync(CancellationToken.None, live);
        Assert.Equal(Partitions.Count - share, a.Snapshot().Held.Count);
        now += 2;
        await a.KeepAsync(CancellationToken.None, live);
        Assert.Equal(Partitions.Count, a.Snapshot().Held.Count);
        // Not handed straight back to B, which did not take them (that would flap): only after two leases.
        var takenAt = now;
        while (now - takenAt < 2 * timings.LeaseMicros)
        {
            Assert.Equal(Partitions.Count, a.Snapshot().Held.Count);
            now += (long)timings.RenewEvery.TotalMicroseconds;
            await a.KeepAsync(CancellationToken.None, live);
        }
        Assert.Equal(Partitions.Count - share, a.Snapshot().Held.Count);
    }

    [Fact]
    public async Task A_partition_a_third_silo_takes_over_from_a_stuck_target_stays_with_it_and_does_not_flap()
    {
        var ownership = new MemoryOwnership(() => now);
        var (a, b) = (Keeper(ownership, "a"), Keeper(ownership, "b"));
        string[] live = ["a", "b", "c"];
        await Rounds([a, b], live);
        var cShare = Enumerable.Range(0, Partitions.Count).Where(p => Placement.TargetOf(p, live) == "c").ToHashSet();
        // C is alive in the table but never takes its share: after the wait, A or B take it, and keep it for two leases.
        now += (long)timings.TakeAnyFreeAfter.TotalMicroseconds + 1;
        await Rounds([a, b], live);
        Assert.Equal(Partitions.Count, a.Snapshot().Held.Count + b.Snapshot().Held.Count);
        var epochs = ownership.Rows.Where(r => cShare.Contains(r.Partition)).ToDictionary(r => r.Partition, r => r.Epoch);
        var takenAt = now;
        while (now - takenAt < timings.LeaseMicros)
        {
            now += (long)timings.RenewEvery.TotalMicroseconds;
            await a.KeepAsync(CancellationToken.None, live);
            await b.KeepAsync(CancellationToken.None, live);
        }
        Assert.Equal(Partitions.Count, a.Snapshot().Held.Count + b.Snapshot().Held.Count);
        Assert.All(cShare, p => Assert.Equal(epochs[p], ownership.Rows[p].Epoch));
        AssertEachPartitionServedOnce(a, b);
    }

    [Fact]
    public async Task A_leaving_silo_drains_and_releases_every_partition_for_the_others_to_take_at_once()
    {
        var ownership = new MemoryOwnership(() => now);
        var (a, b) = (Keeper(ownership, "a"), Keeper(ownership, "b"));
        await Rounds([a, b], ["a", "b"]);
        var drained = new List<int>();
        b.Drain = (partitions, _) =>
        {
            drained.AddRange(partitions);
            return Task.CompletedTask;
        };
        var held = b.Snapshot().Held.Select(h => h.Partition).ToHashSet();

        Assert.Equal(["a"], await b.HandOverAllAsync(["a", "b"], CancellationToken.None));
        Assert.Equal(held, drained.ToHashSet());
        Assert.Empty(b.Snapshot().Held);
        Assert.All(held, p => Assert.Null(ownership.Rows[p].Owner));
        // The one left takes them in its next round, without waiting for leases, each in a new epoch.
        now += 1_000;
        await a.KeepAsync(CancellationToken.None, ["a"]);
        Assert.Equal(Partitions.Count, a.Snapshot().Held.Count);
        AssertEachPartitionServedOnce(a, b);
    }

    private async Task Rounds(IEnumerable<PartitionKeeper> keepers, IReadOnlyCollection<string> live)
    {
        // Two rounds each: a hand-over in the first, the take in the second.
        for (var round = 0; round < 2; round++)
        {
            foreach (var keeper in keepers)
            {
                now += 1_000;
                await keeper.KeepAsync(CancellationToken.None, live);
            }
        }
    }

    private static void AssertEachPartitionServedOnce(params PartitionKeeper[] keepers)
    {
        for (var p = 0; p < Partitions.Count; p++)
        {
            Assert.Equal(1, keepers.Count(k => k.ServingEpoch(p) is not null));
        }
    }
}
