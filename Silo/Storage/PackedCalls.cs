using System.Buffers.Binary;
using System.Text;
using ClearingCluster.Interfaces.Metering;

namespace ClearingCluster.Silo.Storage;

/// <summary>
/// Accepted calls packed into one <c>usage_records.records</c> value (migration 0006): per call, its call id (u8 length +
/// UTF-8), its time (i64 µs since 1970 UTC), its units (u32) and its producer's index (u16) into the row's
/// <c>producers</c>. Little-endian throughout.
/// </summary>
public static class PackedCalls
{
    public const int FixedBytes = 1 + 8 + 4 + 2;

    public static (string[] Producers, byte[] Packed) Pack(IEnumerable<(string Producer, UsageRecord Record)> calls)
    {
        var producers = new List<string>();
        var buffer = new MemoryStream();
        Span<byte> scratch = stackalloc byte[8];
        foreach (var (producer, record) in calls)
        {
            var producerIndex = producers.IndexOf(producer);
            if (producerIndex < 0)
            {
                producerIndex = producers.Count;
                producers.Add(producer);
            }
            var callId = Encoding.UTF8.GetBytes(record.CallId);
            buffer.WriteByte(checked((byte)callId.Length));
            buffer.Write(callId);
            BinaryPrimitives.WriteInt64LittleEndian(scratch, record.AtMicros);
            buffer.Write(scratch);
            BinaryPrimitives.WriteUInt32LittleEndian(scratch, checked((uint)record.Units));
            buffer.Write(scratch[..4]);
            BinaryPrimitives.WriteUInt16LittleEndian(scratch, checked((ushort)producerIndex));
            buffer.Write(scratch[..2]);
        }
        return ([.. producers], buffer.ToArray());
    }

    /// <summary>What a dispute looks for first: the call id as packed (length, then UTF-8), to find candidate rows in SQL.</summary>
    public static byte[] Needle(string callId)
    {
        var utf8 = Encoding.UTF8.GetBytes(callId);
        return [checked((byte)utf8.Length), .. utf8];
    }

    /// <summary>Reads packed calls one by one without allocating; throws on a value that is not a whole number of calls.</summary>
    public ref struct Reader(ReadOnlySpan<byte> packed)
    {
        private ReadOnlySpan<byte> rest = packed;

        public bool Next(out ReadOnlySpan<byte> callId, out long atMicros, out uint units, out ushort producer)
        {
            if (rest.IsEmpty)
            {
                callId = default;
                atMicros = 0;
                units = 0;
                producer = 0;
                return false;
            }
            var length = rest[0];
            if (rest.Length < FixedBytes + length)
            {
                throw new InvalidDataException($"packed calls end inside a call ({rest.Length} bytes left, a call of {FixedBytes + length})");
            }
            callId = rest.Slice(1, length);
            atMicros = BinaryPrimitives.ReadInt64LittleEndian(rest[(1 + length)..]);
            units = BinaryPrimitives.ReadUInt32LittleEndian(rest[(9 + length)..]);
            producer = BinaryPrimitives.ReadUInt16LittleEndian(rest[(13 + length)..]);
            rest = rest[(FixedBytes + length)..];
            return true;
        }
    }
}
