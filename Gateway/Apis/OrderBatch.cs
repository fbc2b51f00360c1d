using System.Text.Json;
using ClearingCluster.Gateway.Json;
using ClearingCluster.Interfaces;
using ClearingCluster.Wire;

namespace ClearingCluster.Gateway.Apis;

/// <summary>
/// An order batch's body, one entry per order: a JSON array of orders, or NDJSON with one order per line. An entry
/// that is not an order (wrong types, a member twice, not an object, a broken line) is kept with its error, so it
/// refuses only itself; a body that is not a JSON array at all, or holds more orders than allowed, refuses the whole batch.
/// </summary>
public static class OrderBatch
{
    public sealed record Entry(OrderRequest? Request, string? Error);

    public static IReadOnlyList<Entry> Parse(ReadOnlySpan<byte> body, string? contentType, int ordersMax, StringPool pool)
    {
        var mediaType = contentType?.Split(';')[0].Trim();
        var entries = mediaType switch
        {
            "application/x-ndjson" => ParseLines(body, ordersMax, pool),
            null or "" or "application/json" => ParseArray(body, ordersMax, pool),
            _ => throw new BadHttpRequestException($"send application/json (an array of orders) or application/x-ndjson, not {mediaType}", StatusCodes.Status415UnsupportedMediaType),
        };
        return entries.Count == 0 ? throw DomainException.Invalid("empty_batch", "a batch holds at least one order") : entries;
    }

    private static List<Entry> ParseArray(ReadOnlySpan<byte> body, int ordersMax, StringPool pool)
    {
        var entries = new List<Entry>(Math.Min(ordersMax, body.Length / 64 + 1));
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 16 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                throw DomainException.Invalid("bad_batch", "an order batch is a JSON array of orders");
            }
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                TooMany(entries.Count + 1, ordersMax);
                // Delimit the element (its syntax is checked here), then read it on its own: a bad one refuses only itself.
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                try
                {
                    entries.Add(new Entry(OrderJson.ReadOne(body[start..(int)reader.BytesConsumed], pool), null));
                }
                catch (OrderFormatException error)
                {
                    entries.Add(new Entry(null, error.Message));
                }
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

    private static List<Entry> ParseLines(ReadOnlySpan<byte> body, int ordersMax, StringPool pool)
    {
        var entries = new List<Entry>();
        var rest = body;
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
            try
            {
                entries.Add(new Entry(OrderJson.ReadOne(line, pool), null));
            }
            catch (OrderFormatException error)
            {
                entries.Add(new Entry(null, error.Message));
            }
        }
        return entries;
    }

    private static void TooMany(int count, int ordersMax)
    {
        if (count > ordersMax)
        {
            throw new Errors.TooLargeException("batch_too_large", $"an order batch holds at most {ordersMax} orders");
        }
    }
}
