namespace ClearingCluster.Runtime.Cluster;

/// <summary>A silo incarnation's status, with Orleans' numbers (its membership table stores them).</summary>
public enum SiloStatus
{
    None = 0,
    Created = 1,
    Joining = 2,
    Active = 3,
    ShuttingDown = 4,
    Stopping = 5,
    Dead = 6,
}

/// <summary>One silo incarnation's row: address, port and generation identify it; the generation is new at every start.</summary>
public sealed record MembershipEntry(
    string Address, int Port, int Generation, string SiloName, string HostName, SiloStatus Status, int? ProxyPort,
    DateTimeOffset StartTime, DateTimeOffset IAmAliveTime);

/// <summary>Every row and the view's version, read in one statement, with the database's clock at the read.</summary>
public sealed record MembershipView(IReadOnlyList<MembershipEntry> Members, int Version, DateTimeOffset At);

/// <summary>The membership table: every change of the view is a compare-and-swap on its version (Orleans' protocol).</summary>
public interface IMembershipTable
{
    Task<MembershipView> ReadAllAsync(CancellationToken cancellationToken);

    /// <summary>Adds the row if the view is still at <paramref name="expectedVersion"/>; false if it moved on.</summary>
    /// <exception cref="MembershipConflictException">That incarnation (address, port, generation) exists already.</exception>
    Task<bool> InsertAsync(MembershipEntry entry, int expectedVersion, CancellationToken cancellationToken);

    /// <summary>Sets the row's status if the view is still at <paramref name="expectedVersion"/>; false if it moved on.</summary>
    Task<bool> UpdateStatusAsync(MembershipEntry entry, SiloStatus status, int expectedVersion, CancellationToken cancellationToken);

    /// <summary>The silo is alive now (the database's clock); not a change of the view, so no version.</summary>
    Task UpdateIAmAliveAsync(MembershipEntry entry, CancellationToken cancellationToken);
}

public sealed class MembershipConflictException(string message) : Exception(message);
