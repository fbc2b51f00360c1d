using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ClearingCluster.Grains.Ledger;

/// <summary>
/// Byte-for-byte deterministic JSON (docs/LEDGER.md): UTF-8, no whitespace, object keys sorted by ordinal
/// (UTF-16 code unit) order, integers only (no fractions or exponents), strings escaped only where JSON requires
/// (<c>"</c>, <c>\</c>, control characters as <c>\u00XX</c>), everything else as raw UTF-8.
/// </summary>
public static class CanonicalJson
{
    /// <summary>The writer settings canonical output is made with; a writer of a fixed shape may use them directly.</summary>
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = false,
    };

    public static byte[] Serialize(JsonNode? node)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Write(writer, node);
        }
        return buffer.ToArray();
    }

    public static string SerializeToString(JsonNode? node) => Encoding.UTF8.GetString(Serialize(node));

    private static void Write(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(key);
                    Write(writer, value);
                }
                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array)
                {
                    Write(writer, item);
                }
                writer.WriteEndArray();
                break;
            case JsonValue value:
                WriteValue(writer, value);
                break;
        }
    }

    private static void WriteValue(Utf8JsonWriter writer, JsonValue value)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                writer.WriteStringValue(value.GetValue<string>());
                break;
            case JsonValueKind.True:
                writer.WriteBooleanValue(true);
                break;
            case JsonValueKind.False:
                writer.WriteBooleanValue(false);
                break;
            case JsonValueKind.Number:
                // Money and counts are integers; a fraction would not round-trip identically everywhere.
                if (!long.TryParse(value.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
                {
                    throw new ArgumentException($"canonical JSON carries integers only, not {value.ToJsonString()}");
                }
                writer.WriteNumberValue(integer);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }
}
