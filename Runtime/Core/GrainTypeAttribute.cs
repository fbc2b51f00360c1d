namespace ClearingCluster.Runtime;

/// <summary>
/// Names a grain class's type explicitly. The name is part of every persisted key, so it must not
/// change once state exists. Without it the name is the class name less its "Grain" suffix, lower-cased.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class GrainTypeAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
