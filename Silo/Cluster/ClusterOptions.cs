namespace ClearingCluster.Silo.Cluster;

/// <summary>This silo in the cluster (configuration section <c>Clearing:Cluster</c>, beside the lease timings).</summary>
public sealed class ClusterOptions
{
    /// <summary>The name the silo holds partitions under; unique among live silos (host and process by default).</summary>
    public string SiloName { get; set; } = $"{Environment.MachineName}/{Environment.ProcessId}";

    /// <summary>Whether the silo takes and renews partition leases (docs/CLUSTER.md). Off only for tests that drive ownership by hand.</summary>
    public bool KeepPartitions { get; set; } = true;

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(SiloName) || SiloName.Length > 200)
        {
            throw new InvalidOperationException("Clearing:Cluster:SiloName must be 1–200 characters");
        }
    }
}
