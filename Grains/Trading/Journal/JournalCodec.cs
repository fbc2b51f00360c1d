using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace ClearingCluster.Grains.Trading.Journal;

/// <summary>Unsigned LEB128 varints and length-prefixed UTF-8 strings: the journal's and snapshots' primitives.</summary>
internal ref struct JournalWriter(IBufferWriter<byte> output)
{
    private readonly IBufferWriter<byte> output = output;

    public void Byte(byte value)
    {
        output.GetSpan(1)[0] = value;
        output.Advance(1);
    }

    public void Varint(long value)
    {
        if (value < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "journal numbers are never negative");
        }
        var span = output.GetSpan(10);
        var i = 0;
        var v = (ulong)value;
        while (v >= 0x80)
        {
            span[i++] = (byte)(v | 0x80);
            v >>= 7;
        }
        span[i++] = (byte)v;
        output.Advance(i);
    }

    public void Text(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        Varint(length);
        Encoding.UTF8.GetBytes(value, output.GetSpan(length));
        output.Advance(length);
    }

    public void Int64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(output.GetSpan(8), value);
        output.Advance(8);
    }
}

/// <summary>Reads what <see cref="JournalWriter"/> wrote; a truncated or malformed input throws <see cref="JournalFormatException"/>.</summary>
internal ref struct JournalReader(ReadOnlySpan<byte> input)
{
    private readonly ReadOnlySpan<byte> input = input;
    private int position;

    public readonly bool AtEnd => position >= input.Length;

    public readonly int Position => position;

    public byte Byte()
    {
        if (position >= input.Length)
        {
            throw new JournalFormatException("unexpected end of journal data");
        }
        return input[position++];
    }

    public long Varint()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = Byte();
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value <= long.MaxValue ? (long)value : throw new JournalFormatException("a journal number overflows");
            }
        }
        throw new JournalFormatException("a journal number is too long");
    }

    public int Int32() => checked((int)Varint());

    public string Text()
    {
        var length = Int32();
        if (length > input.Length - position)
        {
            throw new JournalFormatException("a journal string runs past the end");
        }
        var text = Encoding.UTF8.GetString(input.Slice(position, length));
        position += length;
        return text;
    }

    public long Int64()
    {
        if (input.Length - position < 8)
        {
            throw new JournalFormatException("unexpected end of journal data");
        }
        var value = BinaryPrimitives.ReadInt64LittleEndian(input.Slice(position, 8));
        position += 8;
        return value;
    }
}

public sealed class JournalFormatException(string message) : Exception(message);
