using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClearingCluster.Gateway.Json;

/// <summary>
/// Every time the API writes is UTC with a <c>Z</c> and exactly six fractional digits (microseconds, PostgreSQL's and
/// the ledger's precision), so the same instant reads the same on every route. Any ISO-8601 time is read.
/// </summary>
public sealed class UtcMicrosecondsConverter : JsonConverter<DateTimeOffset>
{
    public const string Format = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";
    public const int Length = 27;

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) => Write(writer, null, value);

    /// <summary>Writes the time as a value, or as a property when <paramref name="name"/> is given.</summary>
    public static void Write(Utf8JsonWriter writer, string? name, DateTimeOffset value)
    {
        Span<char> text = stackalloc char[Length];
        value.UtcDateTime.TryFormat(text, out var written, Format, CultureInfo.InvariantCulture);
        if (name is null)
        {
            writer.WriteStringValue(text[..written]);
        }
        else
        {
            writer.WriteString(name, text[..written]);
        }
    }
}
