using System.Text.Json.Nodes;
using ClearingCluster.Grains.Metering.Wire;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ClearingCluster.Gateway.OpenApi;

/// <summary>
/// Example bodies for the hot routes, and the true shape of their line and binary encodings (the handler reads
/// those by hand, so nothing else describes them).
/// </summary>
internal static class RequestExamples
{
    private const string Ndjson = "application/x-ndjson";

    private static JsonObject Order(string clientOrderId, string side, long price, long quantity) => new()
    {
        ["clientOrderId"] = clientOrderId,
        ["participant"] = side == "buy" ? "acme-bank" : "geo-data-co",
        ["product"] = "geo-api",
        ["side"] = side,
        ["type"] = "limit",
        ["timeInForce"] = "gtc",
        ["price"] = price,
        ["quantity"] = quantity,
        ["scenario"] = side == "buy" ? "credit-risk" : null,
    };

    public static Task Apply(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var content = operation.RequestBody?.Content;
        if (content is null)
        {
            return Task.CompletedTask;
        }
        switch (operation.OperationId)
        {
            case "placeOrder":
                Example(content, "application/json", Order("c-1001", "buy", 120_000, 5_000));
                break;
            case "placeOrders":
                Example(content, "application/json", new JsonArray(Order("c-1002", "buy", 120_000, 5_000), Order("c-1003", "buy", 118_000, 2_000)));
                Text(content, Ndjson, "one order per line, as in application/json's array",
                    $"{Order("c-1002", "buy", 120_000, 5_000).ToJsonString()}\n{Order("c-1003", "buy", 118_000, 2_000).ToJsonString()}\n");
                break;
            case "submitUsage":
                var record = new JsonObject { ["callId"] = "c-000001", ["contract"] = "K-geo-api-19", ["at"] = "2026-11-21T08:00:00Z", ["units"] = 1 };
                Example(content, "application/json", new JsonObject { ["producer"] = "api-gw-7", ["sequence"] = 42, ["records"] = new JsonArray(record) });
                Text(content, Ndjson, "a header line {producer, sequence}, then one record per line",
                    $"{new JsonObject { ["producer"] = "api-gw-7", ["sequence"] = 42 }.ToJsonString()}\n{record.ToJsonString()}\n");
                if (content.TryGetValue(UsageBinary.ContentType, out var binary))
                {
                    binary.Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.String,
                        Format = "binary",
                        Description = "little-endian: magic CCU1, producer, sequence u64, count u32, then per record callId, contract, at (i64 µs since the epoch), units u32; strings are one length byte then UTF-8",
                    };
                }
                break;
        }
        return Task.CompletedTask;
    }

    private static void Example(IDictionary<string, OpenApiMediaType> content, string mediaType, JsonNode example)
    {
        if (content.TryGetValue(mediaType, out var media))
        {
            media.Example = example;
        }
    }

    private static void Text(IDictionary<string, OpenApiMediaType> content, string mediaType, string description, string example)
    {
        if (content.TryGetValue(mediaType, out var media))
        {
            media.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Description = description };
            media.Example = example;
        }
    }
}
