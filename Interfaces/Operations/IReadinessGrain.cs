using ClearingCluster.Runtime;

namespace ClearingCluster.Interfaces.Operations;

/// <summary>
/// Answers the readiness probe through a real grain call that writes and reads back its state, so "ready"
/// means the runtime schedules calls and grain storage round-trips to the database.
/// </summary>
public interface IReadinessGrain : IGrainWithStringKey
{
    Task<long> Probe();
}
