namespace ClearingCluster.Runtime.Streams;

/// <summary>A named stream: a namespace (<c>trades</c>, <c>contracts</c>, <c>cycles</c>) and a key within it.</summary>
public readonly record struct StreamId(string Namespace, string Key)
{
    public override string ToString() => $"{Namespace}/{Key}";
}
