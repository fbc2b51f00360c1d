using System.Diagnostics;

namespace ClearingCluster.Runtime.Cluster;

/// <summary>
/// A silo's hold on its partitions: each <see cref="KeepAsync"/> renews every lease it holds in one statement, takes
/// the partitions nobody holds (a dead silo's, once its lease ran out) in another, and keeps each partition's
/// <see cref="PartitionLease"/> — the local deadline, from the monotonic clock at the <em>send</em>, after which it
/// stops serving the partition. A partition whose renewal is refused is lost at once. Until partitions are balanced
/// between silos (docs/CLUSTER.md), a silo takes every free partition.
/// </summary>
public sealed class PartitionKeeper(IPartitionOwnership ownership, ClusterTimings timings, string silo, Func<long> localMicros)
{
    private readonly Dictionary<int, PartitionLease> leases = [];
    private readonly Lock gate = new();

    public string Silo { get; } = silo;

    /// <summary>Partitions lost so far: renewals the database refused (another silo took them, or their lease had run out).</summary>
    public long Losses { get; private set; }

    /// <summary>One round: renew what is held, then take what is free. Not called concurrently with itself.</summary>
    public async Task KeepAsync(CancellationToken cancellationToken)
    {
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
            }
        }

        sent = localMicros();
        var taken = await ownership.AcquireFreeAsync(Silo, Partitions.Count, timings.Lease, cancellationToken).ConfigureAwait(false);
        lock (gate)
        {
            foreach (var partition in taken)
            {
                if (!leases.TryGetValue(partition.Partition, out var lease))
                {
                    leases[partition.Partition] = lease = new PartitionLease(partition.Partition, timings);
                }
                lease.Granted(partition.Epoch, sent);
            }
        }
    }

    /// <summary>Lets every partition go (at shutdown, after the last flush): the next owner need not wait for the leases.</summary>
    public async Task ReleaseAllAsync(CancellationToken cancellationToken)
    {
        var held = Held();
        lock (gate)
        {
            foreach (var partition in held)
            {
                leases[partition.Partition].Lost(partition.Epoch);
            }
            leases.Clear();
        }
        await ownership.ReleaseAllAsync(Silo, held, cancellationToken).ConfigureAwait(false);
    }

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

    private List<HeldPartition> Held()
    {
        lock (gate)
        {
            Debug.Assert(leases.Values.All(l => l.Epoch > 0), "a lease is kept only once granted");
            return [.. leases.Values.Select(l => new HeldPartition(l.Partition, l.Epoch))];
        }
    }
}
