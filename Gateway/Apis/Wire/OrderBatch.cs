using System.Text;
using System.Text.Json;
using ClearingCluster.Interfaces;

namespace ClearingCluster.Gateway.Apis.Wire;

/// <summary>
/// An order batch's body, one entry per order: a JSON array of orders, or NDJSON with one order per line. An entry
/// that is not an order (wrong types, not an object, a broken line) is kept with its error, so it refuses only itself;
/// a body that is not a JSON array at all, or holds more orders than allowed, refuses the whole batch.
/// </summary>
public static class OrderBatch
{
    public sealed record Entry(OrderRequest? Request, string? Error);

    public static IReadOnlyList<Entry> Parse(byte[] body, string? contentType, int ordersMax, JsonSerializerOptions options)
    {
        var mediaType = contentType?.Split(';')[0].Trim();
        var entries = mediaType switch
        {
            "application/x-ndjson" => ParseLines(body, ordersMax, options),
            null or "" or "application/json" => ParseArray(body, ordersMax, options),
            _ => throw DomainException.Invalid("unsupported_media_type", $"send application/json (an array of orders) or application/x-ndjson, not {mediaType}"),
        };
        return entries.Count == 0 ? throw DomainException.Invalid("empty_batch", "a batch holds at least one order") : entries;
    }

    private static List<Entry> ParseArray(byte[] body, int ordersMax, JsonSerializerOptions options)
    {
        var entries = new List<Entry>();
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 16 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                throw DomainException.Invalid("bad_batch", "an order batch is a JSON array of orders");
            }
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                TooMany(entries.Count + 1, ordersMax);
                entries.Add(One(body.AsSpan(start, (int)reader.BytesConsumed - start), options));
            }
            if (reader.TokenType != JsonTokenType.EndArray || reader.Read())
            {
                throw DomainException.Invalid("bad_batch", "the order batch does not end where its array ends");
            }
        }
        catch (JsonException error)
        {
            throw DomainException.Invalid("bad_batch", $"the order batch is not well-formed JSON: {error.Message}");
        }
        return entries;
    }

    private static List<Entry> ParseLines(byte[] body, int ordersMax, JsonSerializerOptions options)
    {
        var entries = new List<Entry>();
        var rest = body.AsSpan();
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 1)..];
            if (line.Trim((byte)'\r').Trim((byte)' ').IsEmpty)
            {
                continue;
            }
            TooMany(entries.Count + 1, ordersMax);
            entries.Add(One(line, options));
        }
        return entries;
    }

    private static Entry One(ReadOnlySpan<byte> json, JsonSerializerOptions options)
    {
        try
        {
            return JsonSerializer.Deserialize<OrderRequest>(json, options) is { } request
                ? new Entry(request, null)
                : new Entry(null, "an order is a JSON object, not null");
        }
        catch (JsonException error)
        {
            return new Entry(null, $"not an order: {error.Message}");
        }
        catch (DecoderFallbackException)
        {
            return new Entry(null, "not an order: the line is not valid UTF-8");
        }
    }

    private static void TooMany(int count, int ordersMax)
    {
        if (count > ordersMax)
        {
            throw new Errors.TooLargeException("batch_too_large", $"an order batch holds at most {ordersMax} orders");
        }
    }
}
