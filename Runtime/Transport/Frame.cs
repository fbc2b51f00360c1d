using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace ClearingCluster.Runtime.Transport;

internal enum FrameKind : byte
{
    /// <summary>The dialling silo's endpoint, first on every connection: the other silo may send its own calls back on it.</summary>
    Hello = 1,
    Request = 2,
    Response = 3,
    /// <summary>Partitions were released for the receiver to take (a hand-over): it runs a keeper round now.</summary>
    HandOver = 4,
}

internal enum Outcome : byte
{
    Ok = 0,
    /// <summary>The grain's method ran and threw.</summary>
    Fault = 1,
    /// <summary>Refused before the method began (moved, mailbox full, stopping): nothing was done.</summary>
    Refused = 2,
}

/// <summary>
/// One frame: a 4-byte little-endian length of what follows, the kind, a correlation id, the body. A request's body is
/// its timeout, the grain's type and key, the method's key (strings as a 4-byte length and UTF-8) and the arguments as a
/// JSON array; a response's is its outcome and the answer or the error as JSON.
/// </summary>
internal readonly record struct Frame(FrameKind Kind, long Correlation, byte[] Body)
{
    private const int HeaderBytes = 4 + 1 + 8;

    public static byte[] Encode(FrameKind kind, long correlation, ReadOnlySpan<byte> body, int maxFrameBytes)
    {
        var length = 1 + 8 + body.Length;
        if (length > maxFrameBytes)
        {
            throw new FrameTooLargeException(length, maxFrameBytes);
        }
        var frame = new byte[4 + length];
        BinaryPrimitives.WriteInt32LittleEndian(frame, length);
        frame[4] = (byte)kind;
        BinaryPrimitives.WriteInt64LittleEndian(frame.AsSpan(5), correlation);
        body.CopyTo(frame.AsSpan(HeaderBytes));
        return frame;
    }

    /// <summary>Takes one whole frame off the front of <paramref name="buffer"/> if it is there.</summary>
    /// <exception cref="FrameTooLargeException">The peer announced a frame over the limit: the connection is closed.</exception>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, int maxFrameBytes, out Frame frame)
    {
        frame = default;
        if (buffer.Length < 4)
        {
            return false;
        }
        Span<byte> prefix = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(prefix);
        var length = BinaryPrimitives.ReadInt32LittleEndian(prefix);
        if (length is < 9 || length > maxFrameBytes)
        {
            throw new FrameTooLargeException(length, maxFrameBytes);
        }
        if (buffer.Length < 4 + length)
        {
            return false;
        }
        var whole = buffer.Slice(4, length);
        var head = whole.Slice(0, 9).ToArray();
        frame = new Frame((FrameKind)head[0], BinaryPrimitives.ReadInt64LittleEndian(head.AsSpan(1)), whole.Slice(9).ToArray());
        buffer = buffer.Slice(4 + length);
        return true;
    }
}

/// <summary>Reads and writes the fields of a frame's body.</summary>
internal ref struct BodyReader(ReadOnlySpan<byte> body)
{
    private ReadOnlySpan<byte> rest = body;

    public int Int32()
    {
        var value = BinaryPrimitives.ReadInt32LittleEndian(rest);
        rest = rest[4..];
        return value;
    }

    public string String()
    {
        var length = Int32();
        if (length < 0 || length > rest.Length)
        {
            throw new InvalidDataException($"a string of {length} bytes in a frame with {rest.Length} left");
        }
        var value = Encoding.UTF8.GetString(rest[..length]);
        rest = rest[length..];
        return value;
    }

    public readonly ReadOnlySpan<byte> Rest => rest;
}

internal static class BodyWriter
{
    public static void Int32(IBufferWriter<byte> to, int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(to.GetSpan(4), value);
        to.Advance(4);
    }

    public static void String(IBufferWriter<byte> to, string value)
    {
        var bytes = Encoding.UTF8.GetByteCount(value);
        Int32(to, bytes);
        Encoding.UTF8.GetBytes(value, to.GetSpan(bytes));
        to.Advance(bytes);
    }
}

/// <summary>A frame over <see cref="TransportOptions.MaxFrameBytes"/>: a call too large is refused before it is sent.</summary>
public sealed class FrameTooLargeException(int length, int max)
    : Exception($"a silo-to-silo frame of {length} bytes is over the limit of {max} (Clearing:Transport:MaxFrameBytes)");
