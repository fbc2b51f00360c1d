using ClearingCluster.Runtime.Cluster;

namespace ClearingCluster.Runtime.Tests.Cluster;

/// <summary>
/// The database's side for keepers, in memory, on the test's clock (one clock for all: rates agree): each row follows
/// <see cref="PartitionOwner"/>'s rules, as the SQL statements do. Shared by every keeper of a test, like the database.
/// </summary>
internal sealed class MemoryOwnership(Func<long> nowMicros) : IPartitionOwnership
{
    private readonly PartitionOwner[] rows = [.. Enumerable.Range(0, Partitions.Count).Select(PartitionOwner.Unowned)];
    private readonly Lock gate = new();

    private static long Micros(TimeSpan lease) => (long)lease.TotalMicroseconds;

    public IReadOnlyList<PartitionOwner> Rows
    {
        get
        {
            lock (gate)
            {
                return [.. rows];
            }
        }
    }

    public Task<long?> AcquireAsync(int partition, string silo, TimeSpan lease, CancellationToken cancellationToken) =>
        Task.FromResult(Apply(partition, r => r.Acquire(silo, nowMicros(), Micros(lease))));

    public Task<long?> RenewAsync(int partition, string silo, long epoch, TimeSpan lease, CancellationToken cancellationToken) =>
        Task.FromResult(Apply(partition, r => r.Renew(silo, epoch, nowMicros(), Micros(lease))));

    public Task<bool> ReleaseAsync(int partition, string silo, long epoch, CancellationToken cancellationToken) =>
        Task.FromResult(Apply(partition, r => r.Release(silo, epoch, nowMicros())) is not null);

    public Task<PartitionOwner> ReadAsync(int partition, CancellationToken cancellationToken) => Task.FromResult(Rows[partition]);

    public Task<(IReadOnlyList<PartitionOwner> Owners, long AtMicros)> ReadAllAsync(CancellationToken cancellationToken) =>
        Task.FromResult((Rows, nowMicros()));

    public Task<IReadOnlyList<HeldPartition>> AcquireFreeAsync(string silo, int max, TimeSpan lease, CancellationToken cancellationToken, bool takeOwnBack,
        IReadOnlyList<int>? only, TimeSpan orFreeFor)
    {
        var wanted = only?.ToHashSet();
        var taken = new List<HeldPartition>();
        for (var p = 0; p < Partitions.Count && taken.Count < max; p++)
        {
            var epoch = Apply(p, row =>
            {
                // Taking one's own back is an acquire as if its lease had run out.
                var own = takeOwnBack && row.Owner == silo;
                if (!own && wanted is not null && !wanted.Contains(p) && !row.FreeFor(nowMicros(), Micros(orFreeFor)))
                {
                    return null;
                }
                return (own ? row with { Owner = null } : row).Acquire(silo, nowMicros(), Micros(lease));
            });
            if (epoch is { } granted)
            {
                taken.Add(new HeldPartition(p, granted));
            }
        }
        return Task.FromResult<IReadOnlyList<HeldPartition>>(taken);
    }

    public Task<IReadOnlyList<HeldPartition>> RenewAllAsync(string silo, IReadOnlyList<HeldPartition> held, TimeSpan lease, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<HeldPartition>>(
            [.. held.Where(h => Apply(h.Partition, r => r.Renew(silo, h.Epoch, nowMicros(), Micros(lease))) is not null)]);

    public Task<int> ReleaseAllAsync(string silo, IReadOnlyList<HeldPartition> held, CancellationToken cancellationToken) =>
        Task.FromResult(held.Count(h => Apply(h.Partition, r => r.Release(silo, h.Epoch, nowMicros())) is not null));

    /// <summary>Applies a rule to a row atomically and stores the change; its epoch, or null when the rule refused.</summary>
    private long? Apply(int partition, Func<PartitionOwner, PartitionOwner?> rule)
    {
        lock (gate)
        {
            if (rule(rows[partition]) is not { } changed)
            {
                return null;
            }
            rows[partition] = changed;
            return changed.Epoch;
        }
    }
}
