namespace ClearingCluster.Runtime;

/// <summary>
/// Marks an exception that is a grain's answer (a business rule refused the call), not a failure: the runtime counts
/// it as a refusal, apart from calls that failed.
/// </summary>
public interface IGrainRefusal;
