using System.Diagnostics.Metrics;
using ClearingCluster.Gateway.Metrics;

namespace ClearingCluster.EndToEnd.Tests;

/// <summary>The exporter finds a measurement's series by its tags as recorded; the rendered text is what counts.</summary>
public sealed class PrometheusExporterTests
{
    [Fact]
    public void Series_are_told_apart_by_tag_values_and_tags_in_another_order_feed_the_same_series()
    {
        using var exporter = new PrometheusExporter();
        using var meter = new Meter("ClearingCluster.Test.Exporter." + Guid.NewGuid().ToString("N"));
        var calls = meter.CreateCounter<long>("exporter_test_calls");
        var took = meter.CreateHistogram<double>("exporter_test_duration", unit: "s");

        calls.Add(1, new("route", "/a"), new("status", 200));
        calls.Add(2, new("route", "/a"), new("status", 200));
        calls.Add(4, new("status", 200), new("route", "/a"));
        calls.Add(8, new("route", "/a"), new("status", 503));
        calls.Add(16, new("route", "/b"), new("status", 200));
        calls.Add(32);
        calls.Add(64, new("a", 1), new("b", 2), new("c", 3), new("d", "four"));
        took.Record(0.002, new KeyValuePair<string, object?>("route", "/a"));
        took.Record(0.2, new KeyValuePair<string, object?>("route", "/a"));

        var lines = exporter.Render().Split('\n');
        Assert.Contains("exporter_test_calls_total{route=\"/a\",status=\"200\"} 7", lines);
        Assert.Contains("exporter_test_calls_total{route=\"/a\",status=\"503\"} 8", lines);
        Assert.Contains("exporter_test_calls_total{route=\"/b\",status=\"200\"} 16", lines);
        Assert.Contains("exporter_test_calls_total 32", lines);
        Assert.Contains("exporter_test_calls_total{a=\"1\",b=\"2\",c=\"3\",d=\"four\"} 64", lines);
        Assert.Contains("exporter_test_duration_seconds_count{route=\"/a\"} 2", lines);
        Assert.Contains("exporter_test_duration_seconds_bucket{route=\"/a\",le=\"0.0025\"} 1", lines);
        Assert.Contains("exporter_test_duration_seconds_bucket{route=\"/a\",le=\"0.25\"} 2", lines);
    }
}
