using ClearingCluster.Interfaces.Clearing;

namespace ClearingCluster.Grains.Clearing;

/// <summary>Where settled cycles' usage records go (configuration section <c>Clearing:Archive</c>).</summary>
public sealed class ArchiveOptions
{
    /// <summary>
    /// The directory archive files are written to, relative to the silo's working directory unless rooted; by default
    /// <c>archive</c> in the silo's data directory (<c>CLEARING_DATA_DIR</c>, <c>.data</c>).
    /// </summary>
    public string Directory { get; set; } = Path.Combine(".data", "archive");
}

/// <summary>Moves a settled cycle's usage records out of the database (<see cref="IClearingGrain.ArchiveUsage"/>).</summary>
public interface IUsageArchive
{
    /// <summary>Archives the cycle's partition and returns what was written; repeating it finishes an interrupted run.</summary>
    Task<UsageArchive> ArchiveAsync(string cycleId, CancellationToken cancellationToken);
}
