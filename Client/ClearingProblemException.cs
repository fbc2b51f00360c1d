using System.Net;

namespace ClearingCluster.Client;

/// <summary>
/// The Gateway refused a request: its problem+json as a typed exception. <see cref="Code"/> is the rule broken
/// (<c>insufficient_funds</c>, <c>unknown_order</c>, …), the end of <see cref="Type"/>
/// (<c>urn:clearing:problem:insufficient_funds</c>). A refused request changed nothing.
/// </summary>
public sealed class ClearingProblemException(HttpStatusCode status, string type, string? title, string? detail, TimeSpan? retryAfter)
    : Exception($"{(int)status} {type}: {detail ?? title}")
{
    public const string TypePrefix = "urn:clearing:problem:";

    public HttpStatusCode Status { get; } = status;

    public string Type { get; } = type;

    public string Code { get; } = type.StartsWith(TypePrefix, StringComparison.Ordinal) ? type[TypePrefix.Length..] : type;

    public string? Title { get; } = title;

    public string? Detail { get; } = detail;

    /// <summary>From <c>Retry-After</c>, on a 503 the client gave up retrying.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
