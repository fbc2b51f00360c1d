using System.Globalization;
using ClearingCluster.Gateway.Metrics;

namespace ClearingCluster.Gateway.Console;

/// <summary>One moment of this Gateway's hot paths: rates since the previous sample, the HTTP p99 over that interval, memory.</summary>
public sealed record OperationsPoint(DateTimeOffset At, double RequestsPerSecond, double UsageRecordsPerSecond, double FlushesPerSecond, double HttpP99Ms,
    double ResidentMegabytes, double HeapMegabytes);

/// <summary>
/// The last <see cref="ConsoleOptions.OperationsHistory"/> of the Gateway's own metrics, sampled every
/// <see cref="ConsoleOptions.OperationsSampleEvery"/> from the Prometheus exporter (what <c>/metrics</c> shows), for
/// the console's operations charts. Fixed memory: one point per sample, the oldest dropped.
/// </summary>
public sealed class OperationsHistory(PrometheusExporter exporter, ConsoleOptions options, TimeProvider time) : BackgroundService
{
    private readonly Queue<OperationsPoint> points = new();
    private readonly Lock gate = new();
    private Totals? last;

    public IReadOnlyList<OperationsPoint> Points
    {
        get
        {
            lock (gate)
            {
                return [.. points];
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.OperationsSampleEvery, time);
        do
        {
            Sample();
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    public void Sample()
    {
        var now = Totals.Read(exporter.Render(), time.GetUtcNow());
        lock (gate)
        {
            if (last is { } before && now.At > before.At)
            {
                var seconds = (now.At - before.At).TotalSeconds;
                points.Enqueue(new OperationsPoint(now.At, (now.Requests - before.Requests) / seconds, (now.UsageRecords - before.UsageRecords) / seconds,
                    (now.Flushes - before.Flushes) / seconds, P99Ms(before.Buckets, now.Buckets), now.ResidentBytes / 1048576, now.HeapBytes / 1048576));
                var keep = Math.Max(1, (int)(options.OperationsHistory / options.OperationsSampleEvery));
                while (points.Count > keep)
                {
                    points.Dequeue();
                }
            }
            last = now;
        }
    }

    /// <summary>The bucket bound holding the interval's 99th percentile (the buckets' own resolution), in ms; 0 with no requests.</summary>
    private static double P99Ms(double[] before, double[] now)
    {
        var total = now[^1] - before[^1];
        if (total <= 0)
        {
            return 0;
        }
        for (var i = 0; i < PrometheusExporter.BucketBounds.Length; i++)
        {
            if (now[i] - before[i] >= 0.99 * total)
            {
                return PrometheusExporter.BucketBounds[i] * 1000;
            }
        }
        return PrometheusExporter.BucketBounds[^1] * 1000;
    }

    /// <summary>The running totals a sample needs, read from the exporter's text (cumulative buckets, +Inf last).</summary>
    private sealed record Totals(DateTimeOffset At, double Requests, double UsageRecords, double Flushes, double[] Buckets, double ResidentBytes, double HeapBytes)
    {
        public static Totals Read(string metrics, DateTimeOffset at)
        {
            double requests = 0, usage = 0, flushes = 0, resident = 0, heap = 0;
            var buckets = new double[PrometheusExporter.BucketBounds.Length + 1];
            foreach (var line in metrics.Split('\n'))
            {
                var space = line.LastIndexOf(' ');
                if (line.StartsWith('#') || space < 0 || !double.TryParse(line.AsSpan(space + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                {
                    continue;
                }
                var name = line[..space];
                if (name.StartsWith("http_requests_total", StringComparison.Ordinal))
                {
                    requests += value;
                }
                else if (name.StartsWith("usage_records_total{", StringComparison.Ordinal) && name.Contains("result=\"accepted\"", StringComparison.Ordinal))
                {
                    usage += value;
                }
                else if (name == "commit_flushes_total")
                {
                    flushes += value;
                }
                else if (name == "process_resident_memory_bytes")
                {
                    resident = value;
                }
                else if (name == "dotnet_gc_heap_after_collection_bytes")
                {
                    heap = value;
                }
                else if (name.StartsWith("http_request_duration_seconds_bucket{", StringComparison.Ordinal))
                {
                    var le = name[(name.IndexOf("le=\"", StringComparison.Ordinal) + 4)..name.LastIndexOf('"')];
                    var index = le == "+Inf" ? PrometheusExporter.BucketBounds.Length : Array.IndexOf(PrometheusExporter.BucketBounds, double.Parse(le, CultureInfo.InvariantCulture));
                    if (index >= 0)
                    {
                        buckets[index] += value;
                    }
                }
            }
            return new Totals(at, requests, usage, flushes, buckets, resident, heap);
        }
    }
}
