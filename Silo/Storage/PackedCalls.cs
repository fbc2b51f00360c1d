using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using ClearingCluster.Interfaces.Metering;

namespace ClearingCluster.Silo.Storage;

/// <summary>
/// Accepted calls packed into one <c>usage_records.records</c> value. Two formats, told apart by the first byte:
/// <list type="bullet">
/// <item><b>v1</b> (migration 0006; rows written before v2): per call, its call id (u8 length ≥ 1 + UTF-8), its time
/// (i64 µs since 1970 UTC), its units (u32) and its producer's index (u16) into the row's <c>producers</c>;
/// little-endian.</item>
/// <item><b>v2</b>: <c>0x00 0x02</c>, the row's base time (i64 µs, little-endian), then per call: the call id as a
/// kind byte and its bytes — <c>0LLLLLLL</c> (L ≥ 1): L bytes of UTF-8; <c>0x00</c>, then a length byte: that many
/// bytes of UTF-8 (ids of 128–255 bytes); <c>1LLLLLLL</c>: L lowercase hex digits (L even) as L/2 bytes; <c>0xFF</c>:
/// a lowercase canonical UUID (8-4-4-4-12) as 16 bytes — then the time as a zigzag varint of its
/// difference from the base, the units and the producer's index as varints. A trace-id-like call id of 16 hex digits
/// with its time, 1 unit and one producer costs 12–14 bytes instead of 31.</item>
/// </list>
/// The encoding of a call id is a function of the id alone, so a dispute finds it in the packed bytes with
/// <c>position()</c> (<see cref="Needles"/>). Any call id the Gateway accepts packs (at most 64 UTF-16 units, so at most
/// 192 bytes): packing runs inside a flush of every hot path, where a refusal would fail them all.
/// </summary>
public static class PackedCalls
{
    public const int V1FixedBytes = 1 + 8 + 4 + 2;

    /// <summary>The longest call id a row holds, in bytes of UTF-8 (a length byte's range).</summary>
    public const int MaxCallIdBytes = 255;
    private const byte HexKind = 0x80;
    private const byte UuidKind = 0xFF;
    private const int UuidLength = 36;

    public static (string[] Producers, byte[] Packed) Pack(IEnumerable<(string Producer, UsageRecord Record)> calls)
    {
        var row = new Builder();
        foreach (var (producer, record) in calls)
        {
            row.Add(producer, record);
        }
        return (row.Producers, row.ToArray());
    }

    /// <summary>
    /// One row's calls packed as they come, in one pass (the base time is the first call's; later ones may be earlier:
    /// the differences are signed), with what the row's columns say of them.
    /// </summary>
    public sealed class Builder
    {
        private readonly ArrayBufferWriter<byte> buffer = new(256);
        private readonly List<string> producers = new(2);
        private long baseMicros;

        public int Count { get; private set; }

        public long Units { get; private set; }

        public long FirstAtMicros { get; private set; } = long.MaxValue;

        public long LastAtMicros { get; private set; } = long.MinValue;

        public string[] Producers => [.. producers];

        public void Add(string producer, in UsageRecord record)
        {
            if (Count == 0)
            {
                baseMicros = record.AtMicros;
                var header = buffer.GetSpan(10);
                header[0] = 0;
                header[1] = 2;
                BinaryPrimitives.WriteInt64LittleEndian(header[2..], baseMicros);
                buffer.Advance(10);
            }
            var producerIndex = producers.IndexOf(producer);
            if (producerIndex < 0)
            {
                producerIndex = producers.Count;
                producers.Add(producer);
            }
            var span = buffer.GetSpan(2 + MaxCallIdBytes + 3 * 10);
            var length = WriteCallId(record.CallId, span);
            length += WriteVarint(span[length..], Zigzag(checked(record.AtMicros - baseMicros)));
            length += WriteVarint(span[length..], checked((ulong)record.Units));
            length += WriteVarint(span[length..], (ulong)producerIndex);
            buffer.Advance(length);
            Count++;
            Units = checked(Units + record.Units);
            FirstAtMicros = Math.Min(FirstAtMicros, record.AtMicros);
            LastAtMicros = Math.Max(LastAtMicros, record.AtMicros);
        }

        public byte[] ToArray() => buffer.WrittenSpan.ToArray();
    }

    /// <summary>What a dispute looks for in packed rows: the call id as v2 and as v1 encode it.</summary>
    public static (byte[] V2, byte[] V1) Needles(string callId)
    {
        Span<byte> v2 = stackalloc byte[2 + MaxCallIdBytes];
        var utf8 = Encoding.UTF8.GetBytes(callId);
        return (v2[..WriteCallId(callId, v2)].ToArray(), [checked((byte)utf8.Length), .. utf8]);
    }

    private static int WriteCallId(string callId, Span<byte> into)
    {
        if (IsCanonicalUuid(callId))
        {
            into[0] = UuidKind;
            var at = 1;
            for (var i = 0; i < UuidLength; i += 2)
            {
                if (callId[i] == '-')
                {
                    i--;
                    continue;
                }
                into[at++] = (byte)((HexValue(callId[i]) << 4) | HexValue(callId[i + 1]));
            }
            Debug.Assert(at == 17, "a UUID is 16 bytes");
            return at;
        }
        if (callId.Length is > 0 and < 127 && callId.Length % 2 == 0 && callId.All(IsLowerHex))
        {
            into[0] = (byte)(HexKind | callId.Length);
            for (var i = 0; i < callId.Length; i += 2)
            {
                into[1 + i / 2] = (byte)((HexValue(callId[i]) << 4) | HexValue(callId[i + 1]));
            }
            return 1 + callId.Length / 2;
        }
        var length = Encoding.UTF8.GetByteCount(callId);
        if (length is 0 or > MaxCallIdBytes)
        {
            throw new ArgumentException($"a call id is 1–{MaxCallIdBytes} bytes of UTF-8, not {length}", nameof(callId));
        }
        if (length < 128)
        {
            into[0] = (byte)length;
            return 1 + Encoding.UTF8.GetBytes(callId, into[1..]);
        }
        into[0] = 0;
        into[1] = (byte)length;
        return 2 + Encoding.UTF8.GetBytes(callId, into[2..]);
    }

    private static bool IsCanonicalUuid(string id)
    {
        if (id.Length != UuidLength)
        {
            return false;
        }
        for (var i = 0; i < UuidLength; i++)
        {
            var dash = i is 8 or 13 or 18 or 23;
            if (dash ? id[i] != '-' : !IsLowerHex(id[i]))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsLowerHex(char c) => c is (>= '0' and <= '9') or (>= 'a' and <= 'f');

    private static int HexValue(char c) => c <= '9' ? c - '0' : c - 'a' + 10;

    private static ulong Zigzag(long value) => (ulong)((value << 1) ^ (value >> 63));

    private static long Unzigzag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);

    private static int WriteVarint(Span<byte> into, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            into[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        into[i++] = (byte)value;
        return i;
    }

    /// <summary>Reads packed calls one by one, either format; the call id comes back as UTF-8. Throws on a damaged value.</summary>
    public ref struct Reader
    {
        private static readonly byte[] Hex = "0123456789abcdef"u8.ToArray();
        private readonly bool v2;
        private readonly long baseMicros;
        private readonly byte[] callId = new byte[128];
        private ReadOnlySpan<byte> rest;

        public Reader(ReadOnlySpan<byte> packed)
        {
            v2 = packed.Length >= 10 && packed[0] == 0;
            if (v2)
            {
                if (packed[1] != 2)
                {
                    throw new InvalidDataException($"packed calls of an unknown format {packed[1]}");
                }
                baseMicros = BinaryPrimitives.ReadInt64LittleEndian(packed[2..]);
                rest = packed[10..];
            }
            else
            {
                rest = packed;
            }
        }

        public bool Next(out ReadOnlySpan<byte> utf8CallId, out long atMicros, out uint units, out ushort producer)
        {
            if (rest.IsEmpty)
            {
                utf8CallId = default;
                atMicros = 0;
                units = 0;
                producer = 0;
                return false;
            }
            return v2 ? NextV2(out utf8CallId, out atMicros, out units, out producer) : NextV1(out utf8CallId, out atMicros, out units, out producer);
        }

        private bool NextV1(out ReadOnlySpan<byte> utf8CallId, out long atMicros, out uint units, out ushort producer)
        {
            var length = rest[0];
            if (length == 0 || rest.Length < V1FixedBytes + length)
            {
                throw new InvalidDataException($"packed calls end inside a call ({rest.Length} bytes left, a call of {V1FixedBytes + length})");
            }
            utf8CallId = rest.Slice(1, length);
            atMicros = BinaryPrimitives.ReadInt64LittleEndian(rest[(1 + length)..]);
            units = BinaryPrimitives.ReadUInt32LittleEndian(rest[(9 + length)..]);
            producer = BinaryPrimitives.ReadUInt16LittleEndian(rest[(13 + length)..]);
            rest = rest[(V1FixedBytes + length)..];
            return true;
        }

        private bool NextV2(out ReadOnlySpan<byte> utf8CallId, out long atMicros, out uint units, out ushort producer)
        {
            var kind = rest[0];
            int consumed;
            if (kind == UuidKind)
            {
                Need(17);
                var at = 0;
                for (var i = 0; i < 16; i++)
                {
                    if (i is 4 or 6 or 8 or 10)
                    {
                        callId[at++] = (byte)'-';
                    }
                    callId[at++] = Hex[rest[1 + i] >> 4];
                    callId[at++] = Hex[rest[1 + i] & 0xF];
                }
                utf8CallId = callId.AsSpan(0, UuidLength);
                consumed = 17;
            }
            else if ((kind & HexKind) != 0)
            {
                var digits = kind & 0x7F;
                Need(1 + digits / 2);
                for (var i = 0; i < digits / 2; i++)
                {
                    callId[2 * i] = Hex[rest[1 + i] >> 4];
                    callId[2 * i + 1] = Hex[rest[1 + i] & 0xF];
                }
                utf8CallId = callId.AsSpan(0, digits);
                consumed = 1 + digits / 2;
            }
            else if (kind == 0)
            {
                Need(2);
                var length = rest[1];
                Need(2 + length);
                utf8CallId = rest.Slice(2, length);
                consumed = 2 + length;
            }
            else
            {
                Need(1 + kind);
                utf8CallId = rest.Slice(1, kind);
                consumed = 1 + kind;
            }
            rest = rest[consumed..];
            atMicros = checked(baseMicros + Unzigzag(ReadVarint()));
            units = checked((uint)ReadVarint());
            producer = checked((ushort)ReadVarint());
            return true;
        }

        private void Need(int bytes)
        {
            if (rest.Length < bytes)
            {
                throw new InvalidDataException($"packed calls end inside a call id ({rest.Length} bytes left, {bytes} needed)");
            }
        }

        private ulong ReadVarint()
        {
            ulong value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (rest.IsEmpty)
                {
                    throw new InvalidDataException("packed calls end inside a number");
                }
                var b = rest[0];
                rest = rest[1..];
                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return value;
                }
            }
            throw new InvalidDataException("a number in packed calls is longer than 64 bits");
        }
    }
}
