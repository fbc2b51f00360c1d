using ClearingCluster.Runtime.Cluster;

namespace ClearingCluster.Silo.Cluster;

/// <summary>The partition table and the membership table as one view: what routing and balancing read.</summary>
public sealed class PostgresClusterDirectory(IPartitionOwnership owners, IMembershipTable members) : IClusterDirectory
{
    public async Task<ClusterView> ReadAsync(CancellationToken cancellationToken)
    {
        var (rows, atMicros) = await owners.ReadAllAsync(cancellationToken);
        var view = await members.ReadAllAsync(cancellationToken);
        return new ClusterView(rows, atMicros, view);
    }
}
