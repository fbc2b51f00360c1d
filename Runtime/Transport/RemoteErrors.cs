using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ClearingCluster.Runtime.Transport;

/// <summary>
/// How a grain's exception crosses to the calling silo as the same type, so the caller's handling (a refusal's HTTP
/// status, a moved partition's retry, a grain catching a rule it expects) does not depend on where the grain ran. An
/// exception travels as its type, message and the arguments of its public constructor whose every parameter is a
/// property of the same name, the message or the inner exception. A type without such a constructor, or not an
/// exception, arrives as <see cref="RemoteGrainException"/> with its type name and message.
/// </summary>
internal static class RemoteErrors
{
    private static readonly ConcurrentDictionary<Type, Shape?> Shapes = new();

    private sealed record Shape(ConstructorInfo Constructor, ParameterInfo[] Parameters, PropertyInfo?[] Properties);

    public static byte[] Write(Exception error) => JsonSerializer.SerializeToUtf8Bytes(ToJson(error, depth: 0), WireCodec.Json);

    public static Exception Read(ReadOnlySpan<byte> json) =>
        FromJson(JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException("an error is a JSON object"), depth: 0);

    private static JsonObject ToJson(Exception error, int depth)
    {
        var type = error.GetType();
        var node = new JsonObject { ["type"] = $"{type.FullName}, {type.Assembly.GetName().Name}", ["message"] = error.Message };
        if (ShapeOf(type) is { } shape)
        {
            var values = new JsonObject();
            for (var i = 0; i < shape.Parameters.Length; i++)
            {
                if (shape.Properties[i] is { } property)
                {
                    values[shape.Parameters[i].Name!] = JsonSerializer.SerializeToNode(property.GetValue(error), shape.Parameters[i].ParameterType, WireCodec.Json);
                }
            }
            node["values"] = values;
        }
        if (error.InnerException is { } inner && depth < 4)
        {
            node["inner"] = ToJson(inner, depth + 1);
        }
        return node;
    }

    private static Exception FromJson(JsonObject node, int depth)
    {
        var typeName = (string?)node["type"] ?? "?";
        var message = (string?)node["message"] ?? "";
        var inner = node["inner"] is JsonObject innerNode && depth < 4 ? FromJson(innerNode, depth + 1) : null;
        var type = Type.GetType(typeName, throwOnError: false);
        if (type is null || !typeof(Exception).IsAssignableFrom(type) || ShapeOf(type) is not { } shape || node["values"] is not JsonObject values)
        {
            return new RemoteGrainException(typeName, message, inner);
        }
        var args = new object?[shape.Parameters.Length];
        for (var i = 0; i < args.Length; i++)
        {
            var parameter = shape.Parameters[i];
            args[i] = shape.Properties[i] is not null
                ? values[parameter.Name!].Deserialize(parameter.ParameterType, WireCodec.Json)
                : IsMessage(parameter) ? message : inner;
        }
        try
        {
            return (Exception)shape.Constructor.Invoke(args);
        }
        catch (TargetInvocationException refused)
        {
            return new RemoteGrainException(typeName, $"{message} (not rebuilt here: {refused.InnerException?.Message})", inner);
        }
    }

    private static Shape? ShapeOf(Type type) => Shapes.GetOrAdd(type, static type =>
    {
        foreach (var constructor in type.GetConstructors().OrderByDescending(c => c.GetParameters().Length))
        {
            var parameters = constructor.GetParameters();
            var properties = parameters.Select(p => type.GetProperty(Capitalised(p.Name!), BindingFlags.Public | BindingFlags.Instance)).ToArray();
            var fits = parameters.Select((p, i) =>
                (properties[i] is { CanRead: true } property && p.ParameterType.IsAssignableFrom(property.PropertyType)
                    && property.DeclaringType != typeof(Exception))
                || IsMessage(p) || IsInner(p)).All(f => f);
            if (fits)
            {
                for (var i = 0; i < parameters.Length; i++)
                {
                    if (IsMessage(parameters[i]) || IsInner(parameters[i]))
                    {
                        properties[i] = null;
                    }
                }
                return new Shape(constructor, parameters, properties);
            }
        }
        return null;
    });

    private static bool IsMessage(ParameterInfo parameter) => parameter.Name == "message" && parameter.ParameterType == typeof(string);

    private static bool IsInner(ParameterInfo parameter) => parameter.Name is "inner" or "innerException" && parameter.ParameterType == typeof(Exception);

    private static string Capitalised(string name) => char.ToUpperInvariant(name[0]) + name[1..];
}

/// <summary>An exception another silo's grain threw, of a type that could not be rebuilt here: its type name and message.</summary>
public sealed class RemoteGrainException(string type, string message, Exception? inner)
    : Exception($"{type}: {message}", inner)
{
    public string Type { get; } = type;
}
