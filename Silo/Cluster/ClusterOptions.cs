namespace ClearingCluster.Silo.Cluster;

/// <summary>This silo in the cluster (configuration section <c>Clearing:Cluster</c>, beside the lease timings).</summary>
public sealed class ClusterOptions
{
    /// <summary>
    /// The name the silo holds partitions under; unique among live silos. By default, with a database of its own (the
    /// data directory locked by one process at a time), the host and data directory: a restart bears the same name and
    /// takes its partitions back at once, as it does under a name set here. Otherwise the host, process id and the
    /// silo's number in the process: a restart waits for the old leases to run out.
    /// </summary>
    public string? SiloName { get; set; }

    /// <summary>Whether the silo takes and renews partition leases (docs/CLUSTER.md). Off only for tests that drive ownership by hand.</summary>
    public bool KeepPartitions { get; set; } = true;

    /// <summary>The cluster's id in the membership table (Orleans' DeploymentId): silos of one deployment share a database.</summary>
    public string DeploymentId { get; set; } = "clearing";

    /// <summary>The address other silos reach this one at (the membership row's Address); the transport listens on it when it is an IP address, else on all.</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>The silo-to-silo port the transport listens on (the membership row's Port); 0: any free port, which the row then carries.</summary>
    public int Port { get; set; }

    /// <summary>The Gateway's HTTP port in this process (the membership row's ProxyPort), when known.</summary>
    public int? ProxyPort { get; set; }

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(SiloName) || SiloName.Length > 500)
        {
            throw new InvalidOperationException("Clearing:Cluster:SiloName must be 1–500 characters");
        }
        if (string.IsNullOrWhiteSpace(DeploymentId) || DeploymentId.Length > 150 || string.IsNullOrWhiteSpace(Address) || Address.Length > 45
            || Port is < 0 or > 65535 || ProxyPort is < 0 or > 65535)
        {
            throw new InvalidOperationException("Clearing:Cluster: DeploymentId 1–150 characters, Address 1–45, Port and ProxyPort 0–65535");
        }
    }
}
