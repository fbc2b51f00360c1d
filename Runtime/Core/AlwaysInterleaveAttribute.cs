namespace ClearingCluster.Runtime;

/// <summary>
/// Marks a grain interface method whose calls may start at any time, beside any other call, as Orleans'
/// <c>[AlwaysInterleave]</c> does. Its code still runs in the grain's turns (never two segments at once); only
/// the waiting between its awaits is shared. For calls that do their state change in one synchronous segment
/// and then wait (a group commit), never for calls that write grain state.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = true)]
public sealed class AlwaysInterleaveAttribute : Attribute;
