using System.IO.Hashing;
using System.Text;

namespace ClearingCluster.Grains.Metering;

/// <summary>
/// A call id as the deduplication window remembers it: XXH3 (64 bit) of its UTF-8, stable across processes. Two call
/// ids of one contract share a fingerprint with a probability of about n / 2⁶⁴ for n calls in the window (10⁻¹¹ for
/// 10⁸), so a false <c>duplicate_call</c> is not a practical concern, and the window holds 8 bytes per call, not a string.
/// </summary>
public static class CallFingerprint
{
    public static long Of(string callId)
    {
        Span<byte> buffer = stackalloc byte[256];
        return Encoding.UTF8.GetMaxByteCount(callId.Length) <= buffer.Length
            ? Of(buffer[..Encoding.UTF8.GetBytes(callId, buffer)])
            : Of(Encoding.UTF8.GetBytes(callId));
    }

    public static long Of(ReadOnlySpan<byte> utf8) => unchecked((long)XxHash3.HashToUInt64(utf8));
}
