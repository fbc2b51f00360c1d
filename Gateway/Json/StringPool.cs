using System.Collections.Concurrent;
using System.Text;

namespace ClearingCluster.Gateway.Json;

/// <summary>
/// One shared copy of the strings that repeat in every request (participants, products, sides, scenarios): looked
/// up from the UTF-8 bytes without allocating, so a batch of 1,000 orders does not make 1,000 copies of its
/// participant's id. Bounded: past <see cref="CountMax"/> strings it stops adding and simply allocates.
/// </summary>
public sealed class StringPool
{
    public const int CountMax = 16_384;
    public const int LengthMax = 64;

    /// <summary>Refuses bytes that are not UTF-8 (<see cref="DecoderFallbackException"/>) rather than replacing them.</summary>
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ConcurrentDictionary<string, string> strings = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> lookup;

    public StringPool() => lookup = strings.GetAlternateLookup<ReadOnlySpan<char>>();

    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > LengthMax)
        {
            return Strict.GetString(utf8);
        }
        Span<char> chars = stackalloc char[LengthMax];
        var length = Strict.GetChars(utf8, chars);
        var key = chars[..length];
        if (lookup.TryGetValue(key, out var pooled))
        {
            return pooled;
        }
        var value = key.ToString();
        return strings.Count < CountMax ? strings.GetOrAdd(value, value) : value;
    }
}
