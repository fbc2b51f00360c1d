using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Diagnostics;

namespace ClearingCluster.Gateway.Metrics;

/// <summary>
/// HTTP request counts and durations by route template and status, and the process's memory and garbage collections
/// (a soak run tells a leak from a lazy collector by the managed heap after each collection), under the meter
/// <c>ClearingCluster.Gateway</c>.
/// </summary>
public sealed class GatewayMetrics : IDisposable
{
    private readonly Meter meter = new("ClearingCluster.Gateway");
    private readonly Counter<long> requests;
    private readonly Histogram<double> duration;

    public GatewayMetrics()
    {
        requests = meter.CreateCounter<long>("http_requests", description: "HTTP requests handled");
        duration = meter.CreateHistogram<double>("http_request_duration", unit: "s", description: "HTTP request duration");
        meter.CreateObservableGauge("process_resident_memory", () => Environment.WorkingSet, unit: "By", description: "resident memory of the process");
        meter.CreateObservableGauge("dotnet_gc_heap_after_collection", () => GC.GetGCMemoryInfo().HeapSizeBytes, unit: "By",
            description: "the managed heap as the last garbage collection left it");
        meter.CreateObservableGauge("dotnet_gc_committed", () => GC.GetGCMemoryInfo().TotalCommittedBytes, unit: "By",
            description: "memory the garbage collector has committed");
        meter.CreateObservableCounter("dotnet_gc_collections", () => new[]
        {
            new Measurement<long>(GC.CollectionCount(0), new KeyValuePair<string, object?>("generation", "0")),
            new Measurement<long>(GC.CollectionCount(1), new KeyValuePair<string, object?>("generation", "1")),
            new Measurement<long>(GC.CollectionCount(2), new KeyValuePair<string, object?>("generation", "2")),
        }, description: "garbage collections since the process started, by generation (a gen 1 collection counts in gen 0 too)");
        meter.CreateObservableCounter("dotnet_gc_pause", () => GC.GetTotalPauseDuration().TotalSeconds, unit: "s",
            description: "time the garbage collector held every managed thread since the process started");
        meter.CreateObservableCounter("dotnet_gc_allocated", () => GC.GetTotalAllocatedBytes(), unit: "By",
            description: "bytes allocated on the managed heap since the process started");
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
