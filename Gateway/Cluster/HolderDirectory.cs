using ClearingCluster.Silo.Cluster;
using ClearingCluster.Silo.Database;

namespace ClearingCluster.Gateway.Cluster;

/// <summary>
/// Where the silo holding partitions answers HTTP: the silo with the most partitions under a running lease, at the
/// <c>Address</c> and <c>ProxyPort</c> of its newest active membership row. Read from the database at most once per
/// <see cref="CacheFor"/>, again at once after a forward to it failed; while the database cannot be read, the last
/// holder known is kept.
/// </summary>
public sealed class HolderDirectory(ClearingDatabase database, ClusterOptions options, ILogger<HolderDirectory> logger)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);

    private sealed record Known(Uri? Holder, long UntilMs);

    private Known? known;

    /// <summary>The base address of the holder's Gateway; null when none is known (nobody else holds partitions, or not with a port).</summary>
    public async Task<Uri?> HolderAsync(CancellationToken cancellationToken)
    {
        var now = Environment.TickCount64;
        var last = Volatile.Read(ref known);
        if (last is not null && last.UntilMs > now)
        {
            return last.Holder;
        }
        Uri? holder;
        try
        {
            var rows = await database.DataSource.RowsAsync("""
                WITH holder AS (
                    SELECT owner FROM partition_owner
                    WHERE lease_until > clock_timestamp() AND owner <> $2
                    GROUP BY owner ORDER BY count(*) DESC LIMIT 1)
                SELECT m.Address, m.ProxyPort
                FROM holder JOIN OrleansMembershipTable m ON m.SiloName = right(holder.owner, 150) AND m.DeploymentId = $1 AND m.Status = 3
                WHERE m.ProxyPort > 0
                ORDER BY m.Generation DESC
                LIMIT 1
                """, static reader => new UriBuilder(Uri.UriSchemeHttp, reader.GetString(0), reader.GetInt32(1)).Uri, cancellationToken,
                options.DeploymentId, options.SiloName!);
            holder = rows.Count == 0 ? null : rows[0];
        }
        catch (Exception error) when (error is Npgsql.NpgsqlException or TimeoutException && last is not null)
        {
            logger.LogWarning("the holder of the partitions could not be read ({Error}); forwarding to {Holder} as last known", error.Message, last!.Holder);
            return last.Holder;
        }
        Volatile.Write(ref known, new Known(holder, now + (long)CacheFor.TotalMilliseconds));
        return holder;
    }

    public void Forget() => Volatile.Write(ref known, null);
}
