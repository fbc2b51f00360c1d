using ClearingCluster.Silo.Cluster;
using ClearingCluster.Silo.Database;
using Npgsql;

namespace ClearingCluster.Gateway.Cluster;

/// <summary>
/// Where the silo holding partitions answers HTTP: the active member with the most partitions under a running lease
/// and a Gateway port in the membership table (its <c>Address</c> and <c>ProxyPort</c>). Read from the database at most
/// once per <see cref="CacheFor"/>, and again at once after a forward to it failed.
/// </summary>
public sealed class HolderDirectory(ClearingDatabase database, ClusterOptions options)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);

    private (Uri? Holder, DateTime Until) cached;

    /// <summary>The base address of the holder's Gateway; null when none is known (nobody holds partitions, or not with a port).</summary>
    public async Task<Uri?> HolderAsync(CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow;
        var known = cached;
        if (known.Until > now)
        {
            return known.Holder;
        }
        var rows = await database.DataSource.RowsAsync("""
            SELECT m.Address, m.ProxyPort
            FROM partition_owner p
            JOIN OrleansMembershipTable m ON m.SiloName = right(p.owner, 150) AND m.DeploymentId = $1 AND m.Status = 3 AND m.ProxyPort > 0
            WHERE p.lease_until > clock_timestamp() AND p.owner <> $2
            GROUP BY m.Address, m.ProxyPort
            ORDER BY count(*) DESC
            LIMIT 1
            """, static reader => new Uri($"http://{reader.GetString(0)}:{reader.GetInt32(1)}"), cancellationToken, options.DeploymentId, options.SiloName!);
        var holder = rows.Count == 0 ? null : rows[0];
        cached = (holder, now + CacheFor);
        return holder;
    }

    public void Forget() => cached = default;
}
