using ClearingCluster.Runtime.Cluster;
using ClearingCluster.Silo.Database;
using Npgsql;

namespace ClearingCluster.Silo.Cluster;

/// <summary>
/// <c>partition_owner</c> (migration 0012). An acquire grows the partition's epoch and claims the writer epoch
/// <c>partition/&lt;n&gt;</c> in the same statement, so the commit log's fence refuses any flush of an earlier epoch.
/// Leases run on the database's clock (<c>clock_timestamp()</c>).
/// </summary>
public sealed class PostgresPartitionOwnership(ClearingDatabase database) : IPartitionOwnership
{
    public async Task<long?> AcquireAsync(int partition, string silo, TimeSpan lease, CancellationToken cancellationToken) =>
        await ScalarAsync("""
            WITH taken AS (
                UPDATE partition_owner SET owner = $2, epoch = epoch + 1, lease_until = clock_timestamp() + $3
                WHERE partition_id = $1 AND (owner IS NULL OR lease_until <= clock_timestamp())
                RETURNING partition_id, epoch),
            fenced AS (
                INSERT INTO writer_epochs AS w (writer, epoch) SELECT 'partition/' || partition_id, epoch FROM taken
                ON CONFLICT (writer) DO UPDATE SET epoch = EXCLUDED.epoch WHERE w.epoch < EXCLUDED.epoch)
            SELECT epoch FROM taken
            """, cancellationToken, partition, silo, lease);

    public async Task<long?> RenewAsync(int partition, string silo, long epoch, TimeSpan lease, CancellationToken cancellationToken) =>
        await ScalarAsync("""
            UPDATE partition_owner SET lease_until = clock_timestamp() + $4
            WHERE partition_id = $1 AND owner = $2 AND epoch = $3 AND lease_until > clock_timestamp()
            RETURNING epoch
            """, cancellationToken, partition, silo, epoch, lease);

    public async Task<bool> ReleaseAsync(int partition, string silo, long epoch, CancellationToken cancellationToken) =>
        await ScalarAsync("""
            UPDATE partition_owner SET owner = NULL, lease_until = clock_timestamp()
            WHERE partition_id = $1 AND owner = $2 AND epoch = $3
            RETURNING epoch
            """, cancellationToken, partition, silo, epoch) is not null;

    public async Task<PartitionOwner> ReadAsync(int partition, CancellationToken cancellationToken) =>
        (await database.DataSource.RowsAsync(ReadSql + " WHERE partition_id = $1", Owner, cancellationToken, partition)).SingleOrDefault()
            ?? throw new ArgumentOutOfRangeException(nameof(partition), $"no partition {partition}: there are {Partitions.Count}");

    /// <summary>
    /// Silos taking free partitions take them one at a time (a transaction-scoped advisory lock, then the statement on a
    /// fresh snapshot): two silos that find the same partitions free at once — a restarted silo and a standby at a lease's
    /// end — would otherwise each get a share beside the silos they should go to. A released partition's
    /// <c>lease_until</c> is when it was let go: how long it has been free. The epochs are bumped in the writers' byte
    /// order, the order the commit log's fence locks them in (migration 0017), so a takeover and a flush never deadlock.
    /// </summary>
    public async Task<IReadOnlyList<HeldPartition>> AcquireFreeAsync(string silo, int max, TimeSpan lease, CancellationToken cancellationToken,
        bool takeOwnBack = false, IReadOnlyList<int>? only = null, TimeSpan orFreeFor = default)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock(hashtext('partition_owner/acquire'))"));
        var acquire = new NpgsqlBatchCommand("""
            WITH free AS (
                SELECT partition_id FROM partition_owner
                WHERE (owner IS NULL OR lease_until <= clock_timestamp() OR ($4 AND owner = $1))
                    AND ($5::int[] IS NULL OR partition_id = ANY($5) OR ($4 AND owner = $1) OR lease_until IS NULL
                        OR lease_until <= clock_timestamp() - $6)
                ORDER BY partition_id LIMIT $2
                FOR UPDATE SKIP LOCKED),
            taken AS (
                UPDATE partition_owner p SET owner = $1, epoch = p.epoch + 1, lease_until = clock_timestamp() + $3
                FROM free WHERE p.partition_id = free.partition_id
                RETURNING p.partition_id, p.epoch),
            fenced AS (
                INSERT INTO writer_epochs AS w (writer, epoch)
                SELECT 'partition/' || partition_id, epoch FROM taken ORDER BY ('partition/' || partition_id) COLLATE "C"
                ON CONFLICT (writer) DO UPDATE SET epoch = EXCLUDED.epoch WHERE w.epoch < EXCLUDED.epoch)
            SELECT partition_id, epoch FROM taken ORDER BY partition_id
            """);
        foreach (var value in new object[] { silo, max, lease, takeOwnBack })
        {
            acquire.Parameters.Add(new NpgsqlParameter { Value = value });
        }
        acquire.Parameters.Add(new NpgsqlParameter<int[]?> { TypedValue = only?.ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Integer });
        acquire.Parameters.Add(new NpgsqlParameter { Value = orFreeFor });
        batch.BatchCommands.Add(acquire);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        var taken = new List<HeldPartition>();
        while (await reader.ReadAsync(cancellationToken))
        {
            taken.Add(new HeldPartition(reader.GetInt32(0), reader.GetInt64(1)));
        }
        return taken;
    }

    public async Task<IReadOnlyList<HeldPartition>> RenewAllAsync(string silo, IReadOnlyList<HeldPartition> held, TimeSpan lease,
        CancellationToken cancellationToken) =>
        held.Count == 0 ? [] : await HeldAsync("""
            UPDATE partition_owner p SET lease_until = clock_timestamp() + $4
            FROM unnest($2::int[], $3::bigint[]) AS h(partition_id, epoch)
            WHERE p.partition_id = h.partition_id AND p.owner = $1 AND p.epoch = h.epoch AND p.lease_until > clock_timestamp()
            RETURNING p.partition_id, p.epoch
            """, cancellationToken, silo, held.Select(h => h.Partition).ToArray(), held.Select(h => h.Epoch).ToArray(), lease);

    public async Task<int> ReleaseAllAsync(string silo, IReadOnlyList<HeldPartition> held, CancellationToken cancellationToken) =>
        held.Count == 0 ? 0 : (await HeldAsync("""
            UPDATE partition_owner p SET owner = NULL, lease_until = clock_timestamp()
            FROM unnest($2::int[], $3::bigint[]) AS h(partition_id, epoch)
            WHERE p.partition_id = h.partition_id AND p.owner = $1 AND p.epoch = h.epoch
            RETURNING p.partition_id, p.epoch
            """, cancellationToken, silo, held.Select(h => h.Partition).ToArray(), held.Select(h => h.Epoch).ToArray())).Count;

    public async Task<(IReadOnlyList<PartitionOwner> Owners, long AtMicros)> ReadAllAsync(CancellationToken cancellationToken)
    {
        // The database's clock read in the same statement as the rows: the instant their leases are judged at.
        var rows = await database.DataSource.RowsAsync("""
            SELECT partition_id, owner, epoch, (extract(epoch FROM lease_until) * 1000000)::bigint,
                (extract(epoch FROM clock_timestamp()) * 1000000)::bigint
            FROM partition_owner ORDER BY partition_id
            """, static reader => (Owner: Owner(reader), AtMicros: reader.GetInt64(4)), cancellationToken);
        return ([.. rows.Select(r => r.Owner)], rows.Count == 0 ? long.MinValue : rows[^1].AtMicros);
    }

    private const string ReadSql =
        "SELECT partition_id, owner, epoch, (extract(epoch FROM lease_until) * 1000000)::bigint FROM partition_owner";

    private static PartitionOwner Owner(NpgsqlDataReader reader) =>
        new(reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2), reader.IsDBNull(3) ? long.MinValue : reader.GetInt64(3));

    private Task<IReadOnlyList<HeldPartition>> HeldAsync(string sql, CancellationToken cancellationToken, params object[] parameters) =>
        database.DataSource.RowsAsync(sql, static reader => new HeldPartition(reader.GetInt32(0), reader.GetInt64(1)), cancellationToken, parameters);

    private Task<long?> ScalarAsync(string sql, CancellationToken cancellationToken, params object[] parameters) =>
        database.DataSource.ScalarAsync<long?>(sql, cancellationToken, parameters);
}
