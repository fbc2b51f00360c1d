namespace ClearingCluster.Silo.Cluster;

/// <summary>This silo in the cluster (configuration section <c>Clearing:Cluster</c>, beside the lease timings).</summary>
public sealed class ClusterOptions
{
    /// <summary>
    /// The name the silo holds partitions under; unique among live silos. By default, with a database of its own (the
    /// data directory locked by one process at a time), the host and data directory: a restart bears the same name and
    /// takes its partitions back at once. Otherwise the host and process id: a restart waits for the old leases to run out.
    /// </summary>
    public string? SiloName { get; set; }

    /// <summary>Whether the silo takes and renews partition leases (docs/CLUSTER.md). Off only for tests that drive ownership by hand.</summary>
    public bool KeepPartitions { get; set; } = true;

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(SiloName) || SiloName.Length > 500)
        {
            throw new InvalidOperationException("Clearing:Cluster:SiloName must be 1–500 characters");
        }
    }
}
