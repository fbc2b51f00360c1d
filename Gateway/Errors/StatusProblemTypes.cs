using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;

namespace ClearingCluster.Gateway.Errors;

/// <summary>
/// Problems the framework writes itself (no route, wrong method, body over the limit) get a type naming the rule
/// and a detail, like every problem the Gateway writes.
/// </summary>
public static class StatusProblemTypes
{
    public static void Apply(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (problem.Type is not null && problem.Type.StartsWith(Problems.TypePrefix, StringComparison.Ordinal))
        {
            return;
        }
        var (type, detail) = problem.Status switch
        {
            400 => ("bad_request", "the request is malformed"),
            404 => ("not_found", $"no route matches {context.HttpContext.Request.Method} {context.HttpContext.Request.Path}"),
            405 => ("method_not_allowed", $"{context.HttpContext.Request.Method} is not allowed on {context.HttpContext.Request.Path}"),
            413 => ("body_too_large", $"the request body is larger than the limit of {BodyLimit(context.HttpContext)} bytes"),
            415 => ("unsupported_media_type", $"send {Accepted(context.HttpContext)}, not {context.HttpContext.Request.ContentType ?? "no Content-Type"}"),
            _ => ("internal", "the request failed unexpectedly; it has been logged"),
        };
        problem.Type = Problems.TypePrefix + type;
        problem.Detail ??= detail;
    }

    /// <summary>What the route takes, from its own metadata (routing refuses other types with 415 before the handler).</summary>
    private static string Accepted(HttpContext context)
    {
        var types = context.GetEndpoint()?.Metadata.GetOrderedMetadata<IAcceptsMetadata>().SelectMany(a => a.ContentTypes).Distinct().ToList();
        return types is { Count: > 0 } ? string.Join(" or ", types) : "a media type the route takes (its operation in /openapi/v1.json lists them)";
    }

    private static string BodyLimit(HttpContext context) =>
        context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "configured";
}
