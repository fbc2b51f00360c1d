using ClearingCluster.Runtime.Cluster;
using static ClearingCluster.Grains.Metering.Wire.UsageEnvelope;
using ClearingCluster.Silo.Database;
using Npgsql;

namespace ClearingCluster.Silo.Cluster;

/// <summary>
/// Orleans' membership tables (migration 0013) for one deployment: a read is the version row joined with every silo
/// row and the database's clock; a join or a status change is one call of a function that bumps the version only if
/// it is still the one read (<c>membership_insert</c>, <c>membership_update</c>).
/// </summary>
public sealed class PostgresMembershipTable(ClearingDatabase database, string deployment) : IMembershipTable
{
    private const string ConflictState = "CC002";
    private bool versionRowMade;

    public async Task<MembershipView> ReadAllAsync(CancellationToken cancellationToken)
    {
        if (!versionRowMade)
        {
            await database.DataSource.ScalarAsync<object>(
                "INSERT INTO OrleansMembershipVersionTable (DeploymentId) VALUES ($1) ON CONFLICT DO NOTHING", cancellationToken, deployment);
            versionRowMade = true;
        }
        var rows = await database.DataSource.RowsAsync("""
            SELECT v.Version, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint,
                m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
                (extract(epoch FROM m.StartTime) * 1000000)::bigint, (extract(epoch FROM m.IAmAliveTime) * 1000000)::bigint
            FROM OrleansMembershipVersionTable v LEFT JOIN OrleansMembershipTable m ON m.DeploymentId = v.DeploymentId
            WHERE v.DeploymentId = $1
            ORDER BY m.StartTime, m.Generation
            """,
            static reader => (Version: reader.GetInt32(0), At: reader.GetInt64(1), Entry: reader.IsDBNull(2) ? null : new MembershipEntry(
                reader.GetString(2), reader.GetInt32(3), reader.GetInt32(4), reader.GetString(5), reader.GetString(6), (SiloStatus)reader.GetInt32(7),
                reader.IsDBNull(8) ? null : reader.GetInt32(8), FromMicros(reader.GetInt64(9)), FromMicros(reader.GetInt64(10)))),
            cancellationToken, deployment);
        return new MembershipView([.. rows.Where(r => r.Entry is not null).Select(r => r.Entry!)], rows[0].Version, FromMicros(rows[0].At));
    }

    public async Task<bool> InsertAsync(MembershipEntry entry, int expectedVersion, CancellationToken cancellationToken)
    {
        try
        {
            return await database.DataSource.ScalarAsync<int>("SELECT membership_insert($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)", cancellationToken,
                deployment, entry.Address, entry.Port, entry.Generation, entry.SiloName, entry.HostName, (int)entry.Status,
                (object?)entry.ProxyPort ?? DBNull.Value, entry.StartTime, expectedVersion) == 1;
        }
        catch (PostgresException error) when (error.SqlState == ConflictState)
        {
            throw new MembershipConflictException(error.MessageText);
        }
    }

    public async Task<bool> UpdateStatusAsync(MembershipEntry entry, SiloStatus status, int expectedVersion, CancellationToken cancellationToken)
    {
        try
        {
            return await database.DataSource.ScalarAsync<int>("SELECT membership_update($1, $2, $3, $4, $5, NULL, $6)", cancellationToken,
                deployment, entry.Address, entry.Port, entry.Generation, (int)status, expectedVersion) == 1;
        }
        catch (PostgresException error) when (error.SqlState == ConflictState)
        {
            // The row is gone (nothing deletes rows yet): nothing to change.
            return false;
        }
    }

    public Task UpdateIAmAliveAsync(MembershipEntry entry, CancellationToken cancellationToken) =>
        database.DataSource.ScalarAsync<object>("""
            UPDATE OrleansMembershipTable SET IAmAliveTime = now()
            WHERE DeploymentId = $1 AND Address = $2 AND Port = $3 AND Generation = $4
            """, cancellationToken, deployment, entry.Address, entry.Port, entry.Generation);

}
