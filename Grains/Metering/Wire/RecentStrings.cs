using System.IO.Hashing;
using System.Text;

namespace ClearingCluster.Grains.Metering.Wire;

/// <summary>
/// One string for each UTF-8 byte sequence a thread decodes over and over: contract ids, which a batch names many
/// times and every batch names again. Direct-mapped (a sequence's hash picks one of 256 entries; a collision replaces
/// the entry), so it never grows; a hit costs a hash and a compare where a miss costs a new string, and the meter's
/// lookups then meet the same instance. Use one per thread (the readers keep theirs thread-static).
/// </summary>
/// <remarks>
/// Not the Gateway's <c>StringPool</c> (participants and products for orders): that pool keeps what it met first and
/// stops adding at its bound, while contract ids keep coming (every fill makes one), so usage needs a table where the
/// ids in use now replace old ones; and the binary format decodes leniently, as it always has.
/// </remarks>
internal sealed class RecentStrings(Encoding encoding)
{
    private const int Entries = 256;
    private const int LengthMax = 64;
    private readonly byte[]?[] keys = new byte[Entries][];
    private readonly string[] texts = new string[Entries];

    /// <summary>The sequence's text, as <paramref name="encoding"/> decodes it (a strict encoding throws on invalid bytes).</summary>
    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > LengthMax)
        {
            return encoding.GetString(utf8);
        }
        var entry = (int)(XxHash3.HashToUInt64(utf8) & (Entries - 1));
        if (keys[entry] is { } key && key.AsSpan().SequenceEqual(utf8))
        {
            return texts[entry];
        }
        var text = encoding.GetString(utf8);
        keys[entry] = utf8.ToArray();
        texts[entry] = text;
        return text;
    }
}
