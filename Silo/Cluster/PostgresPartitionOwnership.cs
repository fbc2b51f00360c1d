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
            UPDATE partition_owner SET owner = NULL, lease_until = NULL
            WHERE partition_id = $1 AND owner = $2 AND epoch = $3
            RETURNING epoch
            """, cancellationToken, partition, silo, epoch) is not null;

    public async Task<PartitionOwner> ReadAsync(int partition, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("""
            SELECT owner, epoch, (extract(epoch FROM lease_until) * 1000000)::bigint FROM partition_owner WHERE partition_id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = partition });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new PartitionOwner(partition, reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetInt64(1), reader.IsDBNull(2) ? long.MinValue : reader.GetInt64(2))
            : throw new ArgumentOutOfRangeException(nameof(partition), $"no partition {partition}: there are {Partitions.Count}");
    }

    private Task<long?> ScalarAsync(string sql, CancellationToken cancellationToken, params object[] parameters) =>
        database.DataSource.ScalarAsync<long?>(sql, cancellationToken, parameters);
}
