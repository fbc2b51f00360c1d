using System.Text.Json;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Metering;
using ClearingCluster.Runtime;
using ClearingCluster.Runtime.Durability;
using Microsoft.AspNetCore.Diagnostics;

namespace ClearingCluster.Gateway.Errors;

/// <summary>Turns exceptions into problem+json: the runtime's refusals into 503/504/409, bad input into 400/413.</summary>
public sealed class ExceptionProblemHandler(ILogger<ExceptionProblemHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is GrainActivationException { InnerException: { } cause } && cause is not DomainException)
        {
            // A grain that cannot load its state (the database is away, say) answers for what stopped it.
            exception = cause;
        }
        if (exception is BadHttpRequestException { InnerException: JsonException inner })
        {
            // "Failed to read parameter …" says nothing a client can act on; the JSON error names the field.
            exception = inner;
        }
        var (status, type, title, detail) = exception switch
        {
            DomainException domain => (StatusOf(domain.Kind).Status, domain.Code, StatusOf(domain.Kind).Title, domain.Message),
            TooLargeException large => (413, large.Code, "Too large", large.Message),
            BadHttpRequestException bad => (bad.StatusCode, bad.StatusCode switch
            {
                413 => "body_too_large",
                415 => "unsupported_media_type",
                _ => "bad_request",
            }, "Bad request", bad.Message),
            JsonException json => (400, "malformed_json", "Malformed JSON", JsonDetail(json)),
            GrainMailboxFullException full => (503, "overloaded", "Overloaded", full.Message),
            GrainCallTimeoutException timeout => (504, "timeout", "Timed out", timeout.Message),
            InconsistentStateException conflict => (409, "concurrent_update", "Concurrent update", conflict.Message),
            GrainRuntimeStoppedException stopped => (503, "stopping", "Shutting down", stopped.Message),
            MeterUnavailableException busy => (503, "usage_unavailable", "Usage not taken now", busy.Message),
            CommitRefusedException full => (503, "overloaded", "Overloaded", full.Message),
            CommitFailedException failed => (503, "not_durable", "Not made durable", $"{failed.Message}; nothing of it stands, retry"),
            StaleWriterException stale => (503, "moved", "Moved", $"{stale.Message}; retry"),
            PartitionMovedException moved => (503, "moved", "Moved", moved.Message),
            SiloCallFailedException { MayHaveRun: true } unanswered => (504, "timeout", "Timed out", unanswered.Message),
            SiloCallFailedException notTaken => (503, "moved", "Moved", notTaken.Message),
            ClearingCluster.Runtime.Transport.FrameTooLargeException frame => (413, "body_too_large", "Too large", frame.Message),
            Npgsql.NpgsqlException database => (503, "database_unavailable", "Database unavailable", $"the database is not reachable: {database.Message}"),
            _ => (500, "internal", "Internal error", "the request failed unexpectedly; it has been logged"),
        };
        if (status >= 500)
        {
            logger.LogError(exception, "request {Method} {Path} failed", context.Request.Method, context.Request.Path);
        }
        if (status == 503)
        {
            var retryAfter = exception switch
            {
                MeterUnavailableException m => m.RetryAfter,
                CommitRefusedException r => r.RetryAfter,
                CommitFailedException f => f.RetryAfter,
                _ => TimeSpan.FromSeconds(1),
            };
            var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        await Problems.WriteAsync(context, status, type, title, detail);
        return true;
    }

    /// <summary>What was wrong and where: <c>$.amount: …</c>.</summary>
    private static string JsonDetail(JsonException json)
    {
        var message = json.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        var what = cut > 0 ? message[..cut] : message;
        return json.Path is { Length: > 0 } path ? $"{path}: {what}" : what;
    }

    /// <summary>The one mapping from a refusal's kind to its HTTP status and title.</summary>
    public static (int Status, string Title) StatusOf(DomainErrorKind kind) => kind switch
    {
        DomainErrorKind.Invalid => (400, "Invalid request"),
        DomainErrorKind.Forbidden => (403, "Forbidden"),
        DomainErrorKind.NotFound => (404, "Not found"),
        DomainErrorKind.Conflict => (409, "Conflict"),
        DomainErrorKind.Unavailable => (503, "Unavailable"),
        _ => (422, "Refused by a business rule"),
    };
}
