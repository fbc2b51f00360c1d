using ClearingCluster.Interfaces.Metering;
using System.Text;
using System.Text.Json;

namespace ClearingCluster.Grains.Metering.Wire;

/// <summary>
/// Reads API.md's JSON batch <c>{"producer", "sequence", "records":[{"callId","contract","at","units"}]}</c> with a
/// forward-only reader, no DOM. A record that is not well-formed becomes a <c>bad_record</c> at its index and the
/// rest goes on; an unusable envelope (not JSON, no producer, too many records) refuses the batch whole.
/// </summary>
public static class UsageJson
{
    public static UsageBatch Read(ReadOnlySpan<byte> body, UsageLimits limits)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 8 });
        string? producer = null;
        long? sequence = null;
        var records = new List<UsageRecord?>();
        var seen = 0;
        try
        {
            Expect(ref reader, JsonTokenType.StartObject);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("producer"u8))
                {
                    UsageEnvelope.Once(ref seen, 1, "producer");
                    reader.Read();
                    producer = Text(ref reader);
                }
                else if (reader.ValueTextEquals("sequence"u8))
                {
                    UsageEnvelope.Once(ref seen, 2, "sequence");
                    reader.Read();
                    sequence = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var s) ? s : null;
                }
                else if (reader.ValueTextEquals("records"u8))
                {
                    UsageEnvelope.Once(ref seen, 4, "records");
                    Expect(ref reader, JsonTokenType.StartArray);
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (records.Count == limits.RecordsPerBatchMax)
                        {
                            throw new UsageFormatException($"a batch carries at most {limits.RecordsPerBatchMax} records");
                        }
                        records.Add(ReadRecord(ref reader, limits));
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException error)
        {
            throw new UsageFormatException($"the batch is not valid JSON: {error.Message}");
        }
        return UsageEnvelope.Build(producer, sequence, records, limits);
    }

    /// <summary>
    /// A string token's text; null for any other token, or for bytes that are not UTF-8 (which the reader checks only as
    /// it makes the text, in the same pass).
    /// </summary>
    internal static string? Text(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return null;
        }
        try
        {
            return reader.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    [ThreadStatic]
    private static RecentStrings? contractIds;

    private static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary><see cref="Text"/> for a contract id: one string per id a thread reads again and again, when it is not escaped.</summary>
    private static string? ContractId(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped || reader.HasValueSequence)
        {
            return Text(ref reader);
        }
        try
        {
            return (contractIds ??= new RecentStrings(StrictUtf8)).Get(reader.ValueSpan);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>Reads one record object; anything malformed inside it makes it a bad record, and the reader ends after it.</summary>
    public static UsageRecord? ReadRecord(ref Utf8JsonReader reader, UsageLimits limits)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }
        string? callId = null, contract = null;
        long? atMicros = null, units = null;
        var malformed = false;
        var seen = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            // A property given twice makes the record bad, whichever copy would have won.
            if (reader.ValueTextEquals("callId"u8))
            {
                malformed |= Twice(ref seen, 1);
                reader.Read();
                callId = Text(ref reader);
            }
            else if (reader.ValueTextEquals("contract"u8))
            {
                malformed |= Twice(ref seen, 2);
                reader.Read();
                contract = ContractId(ref reader);
            }
            else if (reader.ValueTextEquals("at"u8))
            {
                malformed |= Twice(ref seen, 4);
                reader.Read();
                atMicros = reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var at) ? UsageEnvelope.ToMicros(at) : null;
            }
            else if (reader.ValueTextEquals("units"u8))
            {
                malformed |= Twice(ref seen, 8);
                reader.Read();
                units = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var u) ? u : null;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
            malformed |= reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && Skip(ref reader);
        }
        return malformed ? null : UsageEnvelope.Record(callId, contract, atMicros, units, limits);
    }

    /// <summary>Marks a record property read; true when it was read before.</summary>
    private static bool Twice(ref int seen, int bit)
    {
        var again = (seen & bit) != 0;
        seen |= bit;
        return again;
    }

    private static bool Skip(ref Utf8JsonReader reader)
    {
        reader.Skip();
        return true;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (!reader.Read() || reader.TokenType != type)
        {
            throw new UsageFormatException($"expected {type} in the usage batch");
        }
    }
}
