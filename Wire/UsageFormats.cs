using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace ClearingCluster.Wire;

/// <summary>
/// The three encodings of a usage batch a producer may send (docs/USAGE-FORMATS.md): the writers, for producers,
/// the typed client, load tests and tests. The Gateway's readers are in Grains/Metering/Wire.
/// </summary>
public static class UsageFormats
{
    public const string Json = "application/json";
    public const string Ndjson = "application/x-ndjson";
    public const string Binary = "application/vnd.clearing.usage.v1";

    private static readonly byte[] Magic = "CCU1"u8.ToArray();
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public static long ToMicros(DateTimeOffset at) => (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    /// <summary>A header line <c>{producer, sequence}</c>, then one record per line.</summary>
    public static byte[] WriteNdjson(UsageBatchRequest batch)
    {
        // Straight to UTF-8, a line at a time: no string per record (a producer's CPU is often the Gateway's neighbour's).
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64 + batch.Records.Count * 96);
        using var writer = new Utf8JsonWriter(buffer);
        writer.WriteStartObject();
        writer.WriteString("producer"u8, batch.Producer);
        writer.WriteNumber("sequence"u8, batch.Sequence);
        writer.WriteEndObject();
        NewLine(writer, buffer);
        foreach (var record in batch.Records)
        {
            JsonSerializer.Serialize(writer, record, JsonOptions);
            NewLine(writer, buffer);
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void NewLine(Utf8JsonWriter writer, System.Buffers.ArrayBufferWriter<byte> buffer)
    {
        writer.Flush();
        System.Buffers.BuffersExtensions.Write(buffer, "\n"u8);
        writer.Reset(buffer);
    }

    /// <summary>Little-endian: magic, producer, sequence u64, count u32, then per record callId, contract, at (µs), units u32.</summary>
    public static byte[] WriteBinary(UsageBatchRequest batch)
    {
        // Sized first, then written in place: no string is encoded into an array of its own (a producer's CPU is often
        // the Gateway's neighbour's).
        var size = Magic.Length + ShortStringSize(batch.Producer) + 8 + 4;
        foreach (var record in batch.Records)
        {
            size += ShortStringSize(record.CallId) + ShortStringSize(record.Contract) + 8 + 4;
        }
        var body = new byte[size];
        var into = body.AsSpan();
        Magic.CopyTo(into);
        into = ShortString(into[Magic.Length..], batch.Producer);
        BinaryPrimitives.WriteUInt64LittleEndian(into, (ulong)batch.Sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(into[8..], (uint)batch.Records.Count);
        into = into[12..];
        foreach (var record in batch.Records)
        {
            into = ShortString(into, record.CallId);
            into = ShortString(into, record.Contract);
            BinaryPrimitives.WriteInt64LittleEndian(into, ToMicros(record.At));
            BinaryPrimitives.WriteUInt32LittleEndian(into[8..], checked((uint)record.Units));
            into = into[12..];
        }
        Debug.Assert(into.IsEmpty, "the body was sized exactly");
        return body;
    }

    private static int ShortStringSize(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        return length <= byte.MaxValue ? 1 + length : throw new ArgumentException($"'{value}' is longer than 255 UTF-8 bytes");
    }

    /// <summary>Writes the length byte and the UTF-8; returns what follows.</summary>
    private static Span<byte> ShortString(Span<byte> into, string value)
    {
        var length = Encoding.UTF8.GetBytes(value, into[1..]);
        into[0] = (byte)length;
        return into[(1 + length)..];
    }
}
