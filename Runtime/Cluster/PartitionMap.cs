using System.Diagnostics;

namespace ClearingCluster.Runtime.Cluster;

/// <summary>Where a silo takes calls from other silos: its name and its silo-to-silo endpoint (the membership row's Address and Port).</summary>
public sealed record SiloEndpoint(string Silo, string Address, int Port)
{
    public override string ToString() => $"{Silo} ({Address}:{Port})";
}

/// <summary>The partition table and the membership view, read together: what a silo routes calls and balances partitions by.</summary>
public sealed record ClusterView(IReadOnlyList<PartitionOwner> Owners, long AtMicros, MembershipView Members);

/// <summary>Reads the cluster's view from where it is kept (the database).</summary>
public interface IClusterDirectory
{
    Task<ClusterView> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>
/// A silo's cached idea of which silo serves each partition: the owner of a running lease, reached at the endpoint of
/// that silo's newest active membership row. Read again after every keeper round and whenever a call finds it stale
/// (at most once per <c>refreshAtMost</c>, all waiting callers sharing the read). Stale entries are harmless: a silo
/// refuses a call for a partition it does not serve, and the caller reads the map again.
/// </summary>
public sealed class PartitionMap(IClusterDirectory directory, TimeSpan refreshAtMost)
{
    private SiloEndpoint?[] owners = new SiloEndpoint?[Partitions.Count];
    private long appliedRead = long.MinValue;
    private long readsStarted;
    private IReadOnlyList<SiloEndpoint> live = [];
    private readonly Lock gate = new();
    private Task? refreshing;
    private long lastReadTicks = long.MinValue;

    /// <summary>Reads of the map started so far (for the metrics).</summary>
    public long Reads => Volatile.Read(ref readsStarted);

    /// <summary>The silo serving <paramref name="partition"/> as last read; null when none holds a running lease on it.</summary>
    public SiloEndpoint? OwnerOf(int partition) => Volatile.Read(ref owners)[partition];

    /// <summary>The active silos that said they were alive within a lease at the last read, one per name (its newest generation).</summary>
    public IReadOnlyList<SiloEndpoint> Live => Volatile.Read(ref live);

    /// <summary>
    /// Takes <paramref name="view"/> unless a read started later was applied already (two reads may finish out of
    /// order). Reads are ordered by when they started here, not by the database's clock, which a failover may set back.
    /// </summary>
    public void Apply(ClusterView view, TimeSpan lease, long read = long.MaxValue)
    {
        lock (gate)
        {
            if (read < appliedRead)
            {
                return;
            }
            appliedRead = read == long.MaxValue ? appliedRead : read;
            ApplyLocked(view, lease);
        }
    }

    private void ApplyLocked(ClusterView view, TimeSpan lease)
    {
        var at = view.Members.At;
        var endpoints = view.Members.Members
            .Where(m => m.Status == SiloStatus.Active && m.Port > 0)
            .GroupBy(m => m.SiloName, StringComparer.Ordinal)
            .Select(g => g.MaxBy(m => m.Generation)!)
            .ToDictionary(m => m.SiloName, m => (Endpoint: new SiloEndpoint(m.SiloName, m.Address, m.Port), Alive: at - m.IAmAliveTime <= lease),
                StringComparer.Ordinal);
        var next = new SiloEndpoint?[Partitions.Count];
        foreach (var row in view.Owners)
        {
            Debug.Assert(row.Partition is >= 0 and < Partitions.Count, "a partition row is one of the fixed partitions");
            if (row.Owner is { } owner && row.LeaseUntilMicros > view.AtMicros
                && endpoints.TryGetValue(MembershipName(owner), out var silo))
            {
                // Named as in the membership table (a name's last 150 characters), as a silo names itself.
                next[row.Partition] = silo.Endpoint;
            }
        }
        Volatile.Write(ref owners, next);
        Volatile.Write(ref live, [.. endpoints.Values.Where(e => e.Alive).Select(e => e.Endpoint)]);
    }

    /// <summary>Reads the view now, or joins a read in progress or one finished less than <c>refreshAtMost</c> ago.</summary>
    public Task RefreshAsync(TimeSpan lease, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (refreshing is { IsCompleted: false } running)
            {
                return running;
            }
            if (Stopwatch.GetElapsedTime(lastReadTicks) < refreshAtMost && lastReadTicks != long.MinValue)
            {
                return Task.CompletedTask;
            }
            lastReadTicks = Stopwatch.GetTimestamp();
            return refreshing = ReadAsync(lease, cancellationToken);
        }
    }

    /// <summary>Reads the view now, whatever was read before (a keeper round balances by it).</summary>
    public Task ReadNowAsync(TimeSpan lease, CancellationToken cancellationToken) => ReadAsync(lease, cancellationToken);

    private async Task ReadAsync(TimeSpan lease, CancellationToken cancellationToken)
    {
        var read = Interlocked.Increment(ref readsStarted);
        var view = await directory.ReadAsync(cancellationToken).ConfigureAwait(false);
        Apply(view, lease, read);
    }

    /// <summary>The membership table's name columns keep a name's last 150 characters.</summary>
    public static string MembershipName(string silo) => silo.Length <= 150 ? silo : silo[^150..];
}

/// <summary>
/// Which live silo should own a partition: rendezvous hashing (the highest hash of silo name and partition wins), so a
/// silo joining or leaving moves only the partitions that become or stop being its own, about 1/n of them.
/// </summary>
public static class Placement
{
    public static string? TargetOf(int partition, IReadOnlyCollection<string> live)
    {
        string? best = null;
        var bestScore = 0UL;
        foreach (var silo in live)
        {
            var score = Score(silo, partition);
            if (best is null || score > bestScore || (score == bestScore && string.CompareOrdinal(silo, best) < 0))
            {
                (best, bestScore) = (silo, score);
            }
        }
        return best;
    }

    private static ulong Score(string silo, int partition) =>
        System.IO.Hashing.XxHash3.HashToUInt64(System.Text.Encoding.UTF8.GetBytes(silo), seed: partition);
}
