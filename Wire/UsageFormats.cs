using System.Buffers.Binary;
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
        var buffer = new MemoryStream(32 + batch.Records.Count * 32);
        Span<byte> scratch = stackalloc byte[8];
        buffer.Write(Magic);
        ShortString(buffer, batch.Producer);
        BinaryPrimitives.WriteUInt64LittleEndian(scratch, (ulong)batch.Sequence);
        buffer.Write(scratch);
        BinaryPrimitives.WriteUInt32LittleEndian(scratch, (uint)batch.Records.Count);
        buffer.Write(scratch[..4]);
        foreach (var record in batch.Records)
        {
            ShortString(buffer, record.CallId);
            ShortString(buffer, record.Contract);
            BinaryPrimitives.WriteInt64LittleEndian(scratch, ToMicros(record.At));
            buffer.Write(scratch);
            BinaryPrimitives.WriteUInt32LittleEndian(scratch, checked((uint)record.Units));
            buffer.Write(scratch[..4]);
        }
        return buffer.ToArray();
    }

    private static void ShortString(Stream into, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        if (bytes.Length > byte.MaxValue)
        {
            throw new ArgumentException($"'{value}' is longer than 255 UTF-8 bytes");
        }
        into.WriteByte((byte)bytes.Length);
        into.Write(bytes);
    }
}
