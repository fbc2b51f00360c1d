using ClearingCluster.Interfaces.Metering;
using System.Text.Json;

namespace ClearingCluster.Grains.Metering.Wire;

/// <summary>
/// <c>application/x-ndjson</c>: a header line <c>{"producer","sequence"}</c>, then one record object per line.
/// Blank lines are ignored; a line that is not a well-formed record is a <c>bad_record</c> at its index.
/// </summary>
public static class UsageNdjson
{
    public static UsageBatch Read(ReadOnlySpan<byte> body, UsageLimits limits)
    {
        string? producer = null;
        long? sequence = null;
        var records = new List<UsageRecord?>();
        var headerRead = false;
        while (!body.IsEmpty)
        {
            var end = body.IndexOf((byte)'\n');
            var line = end < 0 ? body : body[..end];
            body = end < 0 ? [] : body[(end + 1)..];
            if (line.Trim(" \r\t"u8).IsEmpty)
            {
                continue;
            }
            if (!headerRead)
            {
                (producer, sequence) = ReadHeader(line);
                headerRead = true;
                continue;
            }
            if (records.Count == limits.RecordsPerBatchMax)
            {
                throw new UsageFormatException($"a batch carries at most {limits.RecordsPerBatchMax} records");
            }
            records.Add(ReadLine(line, limits));
        }
        return UsageEnvelope.Build(producer, sequence, records, limits);
    }

    private static (string?, long?) ReadHeader(ReadOnlySpan<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            string? producer = null;
            long? sequence = null;
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new UsageFormatException("the first line must be the header {\"producer\", \"sequence\"}");
            }
            var seen = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isProducer = reader.ValueTextEquals("producer"u8);
                var isSequence = reader.ValueTextEquals("sequence"u8);
                if (isProducer || isSequence)
                {
                    UsageEnvelope.Once(ref seen, isProducer ? 1 : 2, isProducer ? "producer" : "sequence");
                }
                reader.Read();
                if (isProducer && UsageJson.Text(ref reader) is { } named)
                {
                    producer = named;
                }
                else if (isSequence && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var s))
                {
                    sequence = s;
                }
                else
                {
                    reader.Skip();
                }
            }
            return (producer, sequence);
        }
        catch (JsonException error)
        {
            throw new UsageFormatException($"the header line is not valid JSON: {error.Message}");
        }
    }

    private static UsageRecord? ReadLine(ReadOnlySpan<byte> line, UsageLimits limits)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read())
            {
                return null;
            }
            var record = UsageJson.ReadRecord(ref reader, limits);
            // Anything after the object on the same line makes the line malformed.
            return reader.Read() ? null : record;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
