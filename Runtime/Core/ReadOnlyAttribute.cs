namespace ClearingCluster.Runtime;

/// <summary>
/// Marks a grain interface method that does not change state. Read-only calls may interleave with each
/// other (never with a call that is not read-only), as Orleans' <c>[ReadOnly]</c> does.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = true)]
public sealed class ReadOnlyAttribute : Attribute;
