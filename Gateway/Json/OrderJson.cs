using System.Text.Json;
using ClearingCluster.Wire;
using ClearingCluster.Interfaces.Trading;

namespace ClearingCluster.Gateway.Json;

/// <summary>A request member that is not what the order format allows; the message names the member.</summary>
public sealed class OrderFormatException(string message) : Exception(message);

/// <summary>
/// Orders as JSON, by hand: on the hot path of every order, and stricter than a generic binder. Reading refuses a
/// member given twice and a number sent as a string, naming the member; unknown members are skipped; repeated strings
/// come from the <see cref="StringPool"/>. Writing produces an order exactly as <see cref="OrderResponse"/> describes it,
/// for the single and the batch answers alike.
/// </summary>
public static class OrderJson
{
    /// <summary>Reads one order object; the reader stands on its <c>{</c> and ends on its <c>}</c>.</summary>
    public static OrderRequest Read(ref Utf8JsonReader reader, StringPool pool)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new OrderFormatException("an order is a JSON object");
        }
        string? clientOrderId = null, participant = null, product = null, side = null, type = null, timeInForce = null, scenario = null;
        long price = 0, quantity = 0, maxCost = 0;
        int? validityDays = null;
        var seen = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var member = Member(ref reader);
            if (member >= 0)
            {
                if ((seen & 1 << member) != 0)
                {
                    throw new OrderFormatException($"member '{Names[member]}' is given twice");
                }
                seen |= 1 << member;
            }
            reader.Read();
            switch (member)
            {
                case 0: clientOrderId = Text(ref reader, null, member); break;
                case 1: participant = Text(ref reader, pool, member); break;
                case 2: product = Text(ref reader, pool, member); break;
                case 3: side = Text(ref reader, pool, member); break;
                case 4: type = Text(ref reader, pool, member); break;
                case 5: timeInForce = Text(ref reader, pool, member); break;
                case 6: price = Number(ref reader, member); break;
                case 7: quantity = Number(ref reader, member); break;
                case 8: scenario = Text(ref reader, pool, member); break;
                case 9: validityDays = reader.TokenType == JsonTokenType.Null ? null : checked((int)Number(ref reader, member)); break;
                case 10: maxCost = Number(ref reader, member); break;
                default: reader.Skip(); break;
            }
        }
        if (reader.TokenType != JsonTokenType.EndObject)
        {
            throw new OrderFormatException("an order object is not closed");
        }
        return new OrderRequest(clientOrderId, participant, product, side, type, timeInForce, price, quantity, scenario, validityDays, maxCost);
    }

    /// <summary>Reads a body that is exactly one order object.</summary>
    public static OrderRequest ReadOne(ReadOnlySpan<byte> json, StringPool pool)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
        try
        {
            if (!reader.Read())
            {
                throw new OrderFormatException("the body is empty; send an order object");
            }
            var order = Read(ref reader, pool);
            return reader.Read() ? throw new OrderFormatException("the body holds more than one order object") : order;
        }
        catch (JsonException error)
        {
            throw new OrderFormatException($"the body is not well-formed JSON: {error.Message}");
        }
    }

    public static void Write(Utf8JsonWriter w, OrderView o)
    {
        w.WriteStartObject();
        w.WriteString("orderId", o.OrderId);
        w.WriteString("clientOrderId", o.ClientOrderId);
        w.WriteString("participant", o.Participant);
        w.WriteString("product", o.Product);
        w.WriteString("side", o.Side);
        w.WriteString("type", o.Type);
        w.WriteString("timeInForce", o.TimeInForce);
        w.WriteNumber("price", o.PriceMicros);
        w.WriteNumber("quantity", o.Quantity);
        w.WriteNumber("maxCost", o.MaxCostMicros);
        if (o.Scenario is null)
        {
            w.WriteNull("scenario");
        }
        else
        {
            w.WriteString("scenario", o.Scenario);
        }
        w.WriteNumber("validityDays", o.ValidityDays);
        w.WriteString("status", o.Status);
        w.WriteNumber("filled", o.Filled);
        w.WriteNumber("remaining", o.Remaining);
        w.WriteNumber("cancelled", o.Cancelled);
        if (o.Reason is null)
        {
            w.WriteNull("reason");
        }
        else
        {
            w.WriteString("reason", o.Reason);
        }
        w.WriteString("enteredBy", o.EnteredBy);
        w.WriteStartArray("contracts");
        foreach (var f in o.Fills)
        {
            w.WriteStringValue(f.ContractId);
        }
        w.WriteEndArray();
        w.WriteStartArray("fills");
        foreach (var f in o.Fills)
        {
            w.WriteStartObject();
            w.WriteString("contract", f.ContractId);
            w.WriteNumber("price", f.PriceMicros);
            w.WriteNumber("quantity", f.Quantity);
            w.WriteString("counterparty", f.Counterparty);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        UtcMicrosecondsConverter.Write(w, "createdAt", o.CreatedAt);
        UtcMicrosecondsConverter.Write(w, "updatedAt", o.UpdatedAt);
        w.WriteEndObject();
    }

    private static readonly string[] Names =
        ["clientOrderId", "participant", "product", "side", "type", "timeInForce", "price", "quantity", "scenario", "validityDays", "maxCost"];

    private static int Member(ref Utf8JsonReader reader)
    {
        for (var i = 0; i < Names.Length; i++)
        {
            if (reader.ValueTextEquals(Names[i]))
            {
                return i;
            }
        }
        return -1;
    }

    private static string? Text(ref Utf8JsonReader reader, StringPool? pool, int member)
    {
        try
        {
            return reader.TokenType switch
            {
                JsonTokenType.Null => null,
                JsonTokenType.String when pool is not null && !reader.ValueIsEscaped => pool.Get(reader.ValueSpan),
                JsonTokenType.String => reader.GetString(),
                _ => throw new OrderFormatException($"member '{Names[member]}' must be a string"),
            };
        }
        catch (Exception error) when (error is InvalidOperationException or System.Text.DecoderFallbackException)
        {
            // UTF-8 is checked as the text is made (by the pool, or the reader), in that one pass: refused as the member it is.
            throw new OrderFormatException($"member '{Names[member]}' is not valid UTF-8");
        }
    }

    private static long Number(ref Utf8JsonReader reader, int member) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value)
            ? value
            : throw new OrderFormatException($"member '{Names[member]}' must be a whole number (not a string, not a fraction)");
}
