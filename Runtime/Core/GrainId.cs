namespace ClearingCluster.Runtime;

/// <summary>
/// The identity of a grain: its type name (stable, used in storage keys) and its key.
/// Exactly one activation exists per id in the cluster at a time.
/// </summary>
public readonly record struct GrainId(string Type, string Key)
{
    public const int KeyLengthMax = 256;

    public static GrainId Create(string type, string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length > KeyLengthMax)
        {
            throw new ArgumentException($"grain key is {key.Length} characters; the limit is {KeyLengthMax}", nameof(key));
        }
        return new GrainId(type, key);
    }

    public override string ToString() => $"{Type}/{Key}";
}
