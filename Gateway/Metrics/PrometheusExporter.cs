using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace ClearingCluster.Gateway.Metrics;

/// <summary>
/// Collects the measurements of every <c>ClearingCluster.*</c> meter and renders them in the Prometheus text
/// format: counters as running sums, gauges as their latest value, histograms with fixed buckets. One series per
/// instrument and tag set; tags are few and bounded (route templates, reasons), never ids.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    private static readonly double[] BucketBounds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly MeterListener listener = new();
    private readonly ConcurrentDictionary<Instrument, ConcurrentDictionary<string, Series>> series = new();

    public PrometheusExporter()
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name.StartsWith("ClearingCluster", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        listener.Start();
    }

    public string Render()
    {
        listener.RecordObservableInstruments();
        var text = new StringBuilder();
        foreach (var (instrument, byTags) in series.OrderBy(s => s.Key.Name, StringComparer.Ordinal))
        {
            var name = MetricName(instrument);
            var kind = instrument switch
            {
                Counter<long> or Counter<int> or Counter<double> => "counter",
                Histogram<long> or Histogram<int> or Histogram<double> => "histogram",
                _ => "gauge",
            };
            text.Append("# HELP ").Append(name).Append(' ').Append(instrument.Description ?? instrument.Name).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(kind).Append('\n');
            foreach (var (labels, s) in byTags.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                s.Render(text, name, labels, kind == "histogram");
            }
        }
        return text.ToString();
    }

    public void Dispose() => listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = Labels(tags);
        var byTags = series.GetOrAdd(instrument, static _ => new ConcurrentDictionary<string, Series>());
        var s = byTags.GetOrAdd(labels, static _ => new Series());
        switch (instrument)
        {
            case ObservableGauge<long> or ObservableGauge<int> or ObservableGauge<double>
                or ObservableCounter<long> or ObservableUpDownCounter<long>:
                s.Set(value);
                break;
            case Histogram<long> or Histogram<int> or Histogram<double>:
                s.Observe(value);
                break;
            default:
                s.Add(value);
                break;
        }
    }

    private static string MetricName(Instrument instrument)
    {
        var name = new StringBuilder();
        foreach (var c in instrument.Name)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        }
        if (instrument.Unit is "s" && !instrument.Name.EndsWith("seconds", StringComparison.Ordinal))
        {
            name.Append("_seconds");
        }
        return name.ToString();
    }

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0)
        {
            return "";
        }
        var pairs = new List<string>(tags.Length);
        foreach (var (key, value) in tags)
        {
            var escaped = Convert.ToString(value, CultureInfo.InvariantCulture)?.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
            pairs.Add($"{key.Replace('.', '_')}=\"{escaped}\"");
        }
        pairs.Sort(StringComparer.Ordinal);
        return string.Join(',', pairs);
    }

    private sealed class Series
    {
        private readonly long[] buckets = new long[BucketBounds.Length];
        private double sum;
        private long count;
        private double value;

        public void Add(double delta)
        {
            lock (this)
            {
                value += delta;
            }
        }

        public void Set(double latest)
        {
            lock (this)
            {
                value = latest;
            }
        }

        public void Observe(double sample)
        {
            lock (this)
            {
                count++;
                sum += sample;
                for (var i = 0; i < BucketBounds.Length; i++)
                {
                    if (sample <= BucketBounds[i])
                    {
                        buckets[i]++;
                        break;
                    }
                }
            }
        }

        public void Render(StringBuilder text, string name, string labels, bool histogram)
        {
            lock (this)
            {
                if (!histogram)
                {
                    Line(text, name, labels, value);
                    return;
                }
                long cumulative = 0;
                for (var i = 0; i < BucketBounds.Length; i++)
                {
                    cumulative += buckets[i];
                    var le = $"le=\"{BucketBounds[i].ToString(CultureInfo.InvariantCulture)}\"";
                    Line(text, name + "_bucket", labels.Length == 0 ? le : labels + "," + le, cumulative);
                }
                Line(text, name + "_bucket", labels.Length == 0 ? "le=\"+Inf\"" : labels + ",le=\"+Inf\"", count);
                Line(text, name + "_sum", labels, sum);
                Line(text, name + "_count", labels, count);
            }
        }

        private static void Line(StringBuilder text, string name, string labels, double v)
        {
            text.Append(name);
            if (labels.Length > 0)
            {
                text.Append('{').Append(labels).Append('}');
            }
            text.Append(' ').Append(v.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }
    }
}
