using System.Diagnostics;
using ClearingCluster.Runtime.Durability;

namespace ClearingCluster.Runtime.Cluster;

/// <summary>
/// A silo's hold on its partitions: each <see cref="KeepAsync"/> renews every lease it holds in one statement, takes
/// the partitions nobody holds (a dead silo's, once its lease ran out) in another, and keeps each partition's
/// <see cref="PartitionLease"/> — the local deadline, from the monotonic clock at the <em>send</em>, after which it
/// stops serving the partition. A partition whose renewal is refused is lost at once. Given the live silos, a round
/// also balances: it hands over what another live silo should own (<see cref="Placement"/>: it stops serving, drains,
/// releases) and takes only the free partitions that should be its own, or any left free for
/// <see cref="ClusterTimings.TakeAnyFreeAfter"/>. Without them it takes every free partition. As the silo's
/// <see cref="IPartitionGuard"/> it answers, without a lock, whether a partition is served now and in which epoch.
/// </summary>
/// <param name="exclusiveName">
/// Whether only one live process can bear <paramref name="silo"/> (a name from a locked data directory, or one the
/// operator set): then the first round takes back what the name still holds — a previous run's.
/// </param>
public sealed class PartitionKeeper(IPartitionOwnership ownership, ClusterTimings timings, string silo, Func<long> localMicros, bool exclusiveName = false)
    : IPartitionGuard
{
    private readonly Dictionary<int, PartitionLease> leases = [];
    private readonly Lock gate = new();
    private bool tookOwnBack;

    /// <summary>
    /// Partitions taken although another live silo should own them (it left them free too long, or a dead silo's were
    /// left over), and until when they stay here: not handed straight back to a silo that did not take them (which would
    /// flap). A partition never held before (epoch 1) is not one: at a cluster's start the first silo takes them all.
    /// </summary>
    private readonly Dictionary<int, long> keepUntilLocalMicros = [];

    /// <summary>Per partition, what the leases say as of their last change (null: not held); replaced whole, read without the lock.</summary>
    private readonly Published?[] published = new Published?[Partitions.Count];

    private sealed record Published(long Epoch, long ServeUntilLocalMicros, WriterFence Fence);

    public string Silo { get; } = silo;

    /// <summary>Partitions lost so far: renewals the database refused (another silo took them, or their lease had run out).</summary>
    public long Losses { get; private set; }

    /// <summary>Partitions handed over to other silos so far.</summary>
    public long HandedOver { get; private set; }

    /// <summary>
    /// Lets go of the activations of partitions being handed over and waits for their last flushes (the runtime's
    /// <c>DrainAsync</c>); set by the silo. Without it a hand-over releases at once: the fence still refuses late flushes.
    /// </summary>
    public Func<IReadOnlyCollection<int>, CancellationToken, Task>? Drain { get; set; }

    /// <summary>
    /// One round: renew what is held; hand over what another of <paramref name="live"/> should own; take what is free
    /// (with <paramref name="live"/>: what should be this silo's, or was left free too long). Returns the silos partitions
    /// were handed to. Not called concurrently with itself.
    /// </summary>
    /// <param name="balance">False: renew only (the view of the live silos could not be read).</param>
    public async Task<IReadOnlyCollection<string>> KeepAsync(CancellationToken cancellationToken, IReadOnlyCollection<string>? live = null,
        bool balance = true)
    {
        var self = PartitionMap.MembershipName(Silo);
        if (live is not null && !live.Contains(self))
        {
            live = [.. live, self];
        }
        var held = Held();
        var sent = localMicros();
        var renewed = await ownership.RenewAllAsync(Silo, held, timings.Lease, cancellationToken).ConfigureAwait(false);
        var stillHeld = renewed.ToHashSet();
        lock (gate)
        {
            foreach (var partition in held)
            {
                var lease = leases[partition.Partition];
                if (stillHeld.Contains(partition))
                {
                    lease.Granted(partition.Epoch, sent);
                }
                else
                {
                    lease.Lost(partition.Epoch);
                    leases.Remove(partition.Partition);
                    Losses++;
                }
                Publish(partition.Partition, lease);
            }
        }

        if (!balance)
        {
            return [];
        }
        var handedTo = live is null ? [] : await HandOverAsync(p => Placement.TargetOf(p, live), self, keepHeld: true, cancellationToken).ConfigureAwait(false);

        sent = localMicros();
        var gained = new List<int>();
        // The first round also takes back what a previous run under this name held: that process is gone (docs/CLUSTER.md).
        var mine = live is null ? null : Enumerable.Range(0, Partitions.Count).Where(p => Placement.TargetOf(p, live) == self).ToArray();
        var taken = await ownership.AcquireFreeAsync(Silo, Partitions.Count, timings.Lease, cancellationToken, takeOwnBack: exclusiveName && !tookOwnBack,
            only: mine, orFreeFor: timings.TakeAnyFreeAfter).ConfigureAwait(false);
        tookOwnBack = true;
        lock (gate)
        {
            foreach (var partition in taken)
            {
                if (!leases.TryGetValue(partition.Partition, out var lease))
                {
                    leases[partition.Partition] = lease = new PartitionLease(partition.Partition, timings);
                }
                var before = published[partition.Partition];
                lease.Granted(partition.Epoch, sent);
                if (partition.Epoch > 1 && live is not null && Placement.TargetOf(partition.Partition, live) != self)
                {
                    keepUntilLocalMicros[partition.Partition] = sent + 2 * timings.LeaseMicros;
                }
                Publish(partition.Partition, lease);
                if (published[partition.Partition] is { } now && now.Epoch != before?.Epoch)
                {
                    gained.Add(partition.Partition);
                }
            }
        }
        if (gained.Count > 0)
        {
            Gained?.Invoke(gained);
        }
        return handedTo;
    }

    /// <summary>
    /// Hands over every held partition another live silo should own: stops serving it at once (calls for it wait for the
    /// next owner), drains its activations, then releases it so the next owner takes it without waiting for the lease.
    /// </summary>
    /// <param name="targetOf">The silo each partition should go to (null: none, release it all the same).</param>
    /// <param name="keepHeld">Whether partitions taken over from a stuck target stay (a round); not when the silo leaves.</param>
    private async Task<IReadOnlyCollection<string>> HandOverAsync(Func<int, string?> targetOf, string self, bool keepHeld,
        CancellationToken cancellationToken)
    {
        var leaving = new List<HeldPartition>();
        var targets = new HashSet<string>(StringComparer.Ordinal);
        lock (gate)
        {
            var now = localMicros();
            foreach (var lease in leases.Values.ToList())
            {
                if (keepHeld && keepUntilLocalMicros.TryGetValue(lease.Partition, out var until)
                    && (now < until || !keepUntilLocalMicros.Remove(lease.Partition)))
                {
                    continue;
                }
                var target = targetOf(lease.Partition);
                if (target != self)
                {
                    leaving.Add(new HeldPartition(lease.Partition, lease.Epoch));
                    if (target is not null)
                    {
                        targets.Add(target);
                    }
                    lease.Lost(lease.Epoch);
                    Publish(lease.Partition, lease);
                    leases.Remove(lease.Partition);
                }
            }
        }
        if (leaving.Count == 0)
        {
            return [];
        }
        try
        {
            if (Drain is { } drain)
            {
                // Bounded well within the leases still held: this round's renewal was sent before, the next is a round away.
                using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                bound.CancelAfter(timings.DrainAtMost);
                try
                {
                    await drain([.. leaving.Select(h => h.Partition)], bound.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // Activations still busy: released anyway. Whatever they flush later carries the old epoch and is refused.
                }
            }
        }
        finally
        {
            // Not released (the database away, or stopping): the leases run out and the next owner takes them then.
            await ownership.ReleaseAllAsync(Silo, leaving, CancellationToken.None).ConfigureAwait(false);
            HandedOver += leaving.Count;
        }
        return targets;
    }

    public event Action<IReadOnlyCollection<int>>? Gained;

    /// <summary>
    /// Leaves gracefully, while the runtime still runs: hands every partition over to the silo of <paramref name="others"/>
    /// that should own it (stops serving, drains, releases), so calls wait a moment rather than a lease. Returns the silos
    /// partitions went to. No round may run meanwhile or after.
    /// </summary>
    public Task<IReadOnlyCollection<string>> HandOverAllAsync(IReadOnlyCollection<string> others, CancellationToken cancellationToken)
    {
        var self = PartitionMap.MembershipName(Silo);
        var rest = others.Where(o => o != self).ToList();
        return HandOverAsync(p => Placement.TargetOf(p, rest), self, keepHeld: false, cancellationToken);
    }

    /// <summary>Lets every partition go, for no silo in particular: the next owner need not wait for the leases.</summary>
    public Task ReleaseAllAsync(CancellationToken cancellationToken) => HandOverAllAsync([], cancellationToken);

    /// <summary>The partitions held and, of them, those this silo may serve now (their local deadline not passed).</summary>
    public (IReadOnlyList<HeldPartition> Held, int Serving) Snapshot()
    {
        var now = localMicros();
        lock (gate)
        {
            var held = leases.Values.Where(l => l.Epoch > 0).Select(l => new HeldPartition(l.Partition, l.Epoch)).OrderBy(h => h.Partition).ToList();
            return (held, leases.Values.Count(l => l.Serving(now)));
        }
    }

    public long? ServingEpoch(int partition) => Current(partition)?.Epoch;

    /// <summary>Whether this silo may act for any partition now (at once when it holds the first one, as a sole silo does).</summary>
    public bool ServesAny()
    {
        for (var partition = 0; partition < Partitions.Count; partition++)
        {
            if (Current(partition) is not null)
            {
                return true;
            }
        }
        return false;
    }

    public WriterFence? FenceFor(int partition) => Current(partition)?.Fence ?? throw new PartitionMovedException(partition);

    /// <summary>The partition's published lease while this silo may act on it; null otherwise.</summary>
    private Published? Current(int partition)
    {
        var now = Volatile.Read(ref published[partition]);
        return now is not null && localMicros() < now.ServeUntilLocalMicros ? now : null;
    }

    /// <summary>The monotonic clock leases are served by, in microseconds.</summary>
    public static long MonotonicMicros() => (long)(Stopwatch.GetTimestamp() * (1_000_000.0 / Stopwatch.Frequency));

    /// <summary>Called under the lock after every change of <paramref name="lease"/>.</summary>
    private void Publish(int partition, PartitionLease lease)
    {
        var was = published[partition];
        Published? now = lease.Epoch > 0 && lease.ServeUntilLocalMicros > long.MinValue
            ? new Published(lease.Epoch, lease.ServeUntilLocalMicros, was?.Epoch == lease.Epoch ? was.Fence : Partitions.Fence(partition, lease.Epoch))
            : null;
        Volatile.Write(ref published[partition], now);
    }

    private List<HeldPartition> Held()
    {
        lock (gate)
        {
            Debug.Assert(leases.Values.All(l => l.Epoch > 0), "a lease is kept only once granted");
            return [.. leases.Values.Select(l => new HeldPartition(l.Partition, l.Epoch))];
        }
    }
}
