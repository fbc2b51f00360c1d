using ClearingCluster.Interfaces.Metering;
using System.Buffers.Binary;
using System.Text;

namespace ClearingCluster.Grains.Metering.Wire;

/// <summary>
/// The compact binary batch (<c>application/vnd.clearing.usage.v1</c>, docs/USAGE-FORMATS.md), little-endian:
/// <code>
/// "CCU1" | producer: u8 length + UTF-8 | sequence: u64 | count: u32 |
/// count × ( callId: u8 length + UTF-8 | contract: u8 length + UTF-8 | at: i64 µs since 1970 UTC | units: u32 )
/// </code>
/// A structural error (bad magic, truncation, trailing bytes) refuses the batch whole; a record whose fields are
/// out of bounds (empty ids, zero units) is a <c>bad_record</c>.
/// </summary>
public static class UsageBinary
{
    public const string ContentType = "application/vnd.clearing.usage.v1";
    private static readonly byte[] Magic = "CCU1"u8.ToArray();

    [ThreadStatic]
    private static RecentStrings? contractIds;

    public static UsageBatch Read(ReadOnlySpan<byte> body, UsageLimits limits)
    {
        var cursor = new Cursor(body);
        if (!cursor.Take(4).SequenceEqual(Magic))
        {
            throw new UsageFormatException("a binary batch starts with the magic bytes CCU1");
        }
        var producer = cursor.ShortString();
        var sequence = cursor.UInt64();
        var count = cursor.UInt32();
        if (count > limits.RecordsPerBatchMax)
        {
            throw new UsageFormatException($"a batch carries at most {limits.RecordsPerBatchMax} records");
        }
        var records = new List<UsageRecord?>((int)count);
        var contracts = contractIds ??= new RecentStrings(Encoding.UTF8);
        for (var i = 0; i < count; i++)
        {
            var callId = cursor.ShortString();
            var contract = contracts.Get(cursor.ShortBytes());
            var at = cursor.Int64();
            var units = cursor.UInt32();
            records.Add(UsageEnvelope.Record(callId, contract, at, units, limits));
        }
        if (!cursor.AtEnd)
        {
            throw new UsageFormatException("trailing bytes after the last record");
        }
        return UsageEnvelope.Build(producer, sequence > long.MaxValue ? null : (long)sequence, records, limits);
    }

    private ref struct Cursor(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> rest = data;

        public readonly bool AtEnd => rest.IsEmpty;

        public ReadOnlySpan<byte> Take(int length)
        {
            if (length > rest.Length)
            {
                throw new UsageFormatException("the binary batch is truncated");
            }
            var taken = rest[..length];
            rest = rest[length..];
            return taken;
        }

        public string ShortString() => Encoding.UTF8.GetString(ShortBytes());

        public ReadOnlySpan<byte> ShortBytes() => Take(Take(1)[0]);

        public ulong UInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

        public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

        public uint UInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
    }
}
