using System.Buffers;
using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ClearingCluster.Runtime.Calls;

namespace ClearingCluster.Runtime.Transport;

/// <summary>
/// How calls travel between silos: the method by its key, each argument and the answer as JSON of its declared type.
/// Only what a type states travels: its constructor's parameters and settable properties, never a computed property
/// (which may throw, as a refused placement's <c>Placed</c> does). Silos of one cluster run the same build.
/// </summary>
internal static class WireCodec
{
    public static readonly JsonSerializerOptions Json = new()
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { OnlyStatedProperties } },
        MaxDepth = 64,
    };

    private static readonly ConcurrentDictionary<string, GrainMethodInvoker> Methods = new(StringComparer.Ordinal);

    public static byte[] Request(long correlation, int timeoutMs, GrainId target, GrainMethodInvoker invoker, object?[] args, int maxFrameBytes)
    {
        var body = new ArrayBufferWriter<byte>(256);
        BodyWriter.Int32(body, timeoutMs);
        BodyWriter.String(body, target.Type);
        BodyWriter.String(body, target.Key);
        BodyWriter.String(body, invoker.Key);
        using (var json = new Utf8JsonWriter(body))
        {
            json.WriteStartArray();
            for (var i = 0; i < args.Length; i++)
            {
                JsonSerializer.Serialize(json, args[i], invoker.ParameterTypes[i], Json);
            }
            json.WriteEndArray();
        }
        return Frame.Encode(FrameKind.Request, correlation, body.WrittenSpan, maxFrameBytes);
    }

    public static (int TimeoutMs, GrainId Target, GrainMethodInvoker Invoker, object?[] Args) ReadRequest(byte[] body)
    {
        var reader = new BodyReader(body);
        var timeoutMs = reader.Int32();
        var target = GrainId.Create(reader.String(), reader.String());
        var invoker = Resolve(reader.String());
        var json = new Utf8JsonReader(reader.Rest);
        json.Read();
        if (json.TokenType != JsonTokenType.StartArray)
        {
            throw new InvalidDataException("a call's arguments are a JSON array");
        }
        var args = new object?[invoker.ParameterTypes.Length];
        for (var i = 0; i < args.Length; i++)
        {
            json.Read();
            args[i] = JsonSerializer.Deserialize(ref json, invoker.ParameterTypes[i], Json);
        }
        json.Read();
        if (json.TokenType != JsonTokenType.EndArray)
        {
            throw new InvalidDataException($"a call of {invoker.Name} carries more than its {args.Length} arguments");
        }
        return (timeoutMs, target, invoker, args);
    }

    public static byte[] Answer(long correlation, Outcome outcome, ReadOnlySpan<byte> json, int maxFrameBytes)
    {
        var body = new byte[1 + json.Length];
        body[0] = (byte)outcome;
        json.CopyTo(body.AsSpan(1));
        return Frame.Encode(FrameKind.Response, correlation, body, maxFrameBytes);
    }

    public static byte[] Result(object? result, Type? type) =>
        type is null ? [] : JsonSerializer.SerializeToUtf8Bytes(result, type, Json);

    public static object? ReadResult(ReadOnlySpan<byte> json, Type? type) =>
        type is null ? null : JsonSerializer.Deserialize(json, type, Json);

    /// <summary>The invoker of the grain interface method named <paramref name="key"/>; only grain interfaces are looked up.</summary>
    public static GrainMethodInvoker Resolve(string key) => Methods.GetOrAdd(key, static key =>
    {
        var parts = key.Split('|');
        if (parts.Length != 4)
        {
            throw new InvalidDataException($"not a method key: {key}");
        }
        var type = Type.GetType($"{parts[1]}, {parts[0]}", throwOnError: false);
        if (type is null || !type.IsInterface || !typeof(IGrain).IsAssignableFrom(type))
        {
            throw new InvalidDataException($"no grain interface {parts[1]} in {parts[0]}");
        }
        var method = GrainMethodInvoker.GrainInterfaceMethods(type).FirstOrDefault(m => GrainMethodInvoker.KeyOf(m) == key)
            ?? throw new InvalidDataException($"no grain method {key}");
        return GrainMethodInvoker.For(method);
    });

    private static void OnlyStatedProperties(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }
        for (var i = info.Properties.Count - 1; i >= 0; i--)
        {
            if (info.Properties[i] is { Set: null, AssociatedParameter: null })
            {
                info.Properties.RemoveAt(i);
            }
        }
    }
}
