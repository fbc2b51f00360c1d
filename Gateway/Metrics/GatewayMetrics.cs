using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Diagnostics;

namespace ClearingCluster.Gateway.Metrics;

/// <summary>HTTP request counts and durations by route template and status, under the meter <c>ClearingCluster.Gateway</c>.</summary>
public sealed class GatewayMetrics : IDisposable
{
    private readonly Meter meter = new("ClearingCluster.Gateway");
    private readonly Counter<long> requests;
    private readonly Histogram<double> duration;

    public GatewayMetrics()
    {
        requests = meter.CreateCounter<long>("http_requests", description: "HTTP requests handled");
        duration = meter.CreateHistogram<double>("http_request_duration", unit: "s", description: "HTTP request duration");
    }

    public async Task Measure(HttpContext context, RequestDelegate next)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            // The route template, never the raw path: ids in paths would make a series per id. A refusal thrown by the
            // handler is answered by the exception handler, which clears the endpoint: the one that threw is kept there.
            var endpoint = context.GetEndpoint() ?? context.Features.Get<IExceptionHandlerFeature>()?.Endpoint;
            var route = (endpoint as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
            var tags = new TagList { { "method", context.Request.Method }, { "route", route }, { "status", context.Response.StatusCode } };
            requests.Add(1, tags);
            duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
        }
    }

    public void Dispose() => meter.Dispose();
}
