using System.Text.Json;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Metering;
using ClearingCluster.Runtime;
using Microsoft.AspNetCore.Diagnostics;

namespace ClearingCluster.Gateway.Errors;

/// <summary>Turns exceptions into problem+json: the runtime's refusals into 503/504/409, bad input into 400/413.</summary>
public sealed class ExceptionProblemHandler(ILogger<ExceptionProblemHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, type, title, detail) = exception switch
        {
            DomainException domain => (StatusOf(domain.Kind), domain.Code, TitleOf(domain.Kind), domain.Message),
            BadHttpRequestException bad => (bad.StatusCode, bad.StatusCode == 413 ? "body_too_large" : "bad_request", "Bad request", bad.Message),
            JsonException json => (400, "malformed_json", "Malformed JSON", json.Message),
            GrainMailboxFullException full => (503, "overloaded", "Overloaded", full.Message),
            GrainCallTimeoutException timeout => (504, "timeout", "Timed out", timeout.Message),
            InconsistentStateException conflict => (409, "concurrent_update", "Concurrent update", conflict.Message),
            GrainRuntimeStoppedException stopped => (503, "stopping", "Shutting down", stopped.Message),
            MeterUnavailableException busy => (503, "usage_unavailable", "Usage not taken now", busy.Message),
            Npgsql.NpgsqlException database => (503, "database_unavailable", "Database unavailable", $"the database is not reachable: {database.Message}"),
            _ => (500, "internal", "Internal error", "the request failed unexpectedly; it has been logged"),
        };
        if (status >= 500)
        {
            logger.LogError(exception, "request {Method} {Path} failed", context.Request.Method, context.Request.Path);
        }
        if (status == 503)
        {
            var retryAfter = exception is MeterUnavailableException m ? Math.Max(1, (int)Math.Ceiling(m.RetryAfter.TotalSeconds)) : 1;
            context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        await Problems.WriteAsync(context, status, type, title, detail);
        return true;
    }

    private static int StatusOf(DomainErrorKind kind) => kind switch
    {
        DomainErrorKind.Invalid => 400,
        DomainErrorKind.Forbidden => 403,
        DomainErrorKind.NotFound => 404,
        DomainErrorKind.Conflict => 409,
        _ => 422,
    };

    private static string TitleOf(DomainErrorKind kind) => kind switch
    {
        DomainErrorKind.Invalid => "Invalid request",
        DomainErrorKind.Forbidden => "Forbidden",
        DomainErrorKind.NotFound => "Not found",
        DomainErrorKind.Conflict => "Conflict",
        _ => "Refused by a business rule",
    };
}
