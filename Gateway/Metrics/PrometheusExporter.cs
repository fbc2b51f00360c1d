using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace ClearingCluster.Gateway.Metrics;

/// <summary>
/// Collects the measurements of every <c>ClearingCluster.*</c> meter and renders them in the Prometheus text
/// format: counters as running sums, gauges as their latest value, histograms with fixed buckets. One series per
/// instrument and tag set; tags are few and bounded (route templates, reasons), never ids. A measurement is on the
/// hot path of every request: its family is found once per instrument (the listener's state) and its series by its
/// tags without building the label text, which is made once per tag set.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    /// <summary>Every histogram's bucket bounds, in the instrument's unit (seconds for durations).</summary>
    internal static readonly double[] BucketBounds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly MeterListener listener = new();

    /// <summary>By metric name: instruments of the same name (one per meter instance) feed one family, as Prometheus requires.</summary>
    private readonly ConcurrentDictionary<string, Family> families = new(StringComparer.Ordinal);

    private readonly Lock rendering = new();

    public PrometheusExporter()
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name.StartsWith("ClearingCluster", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument, families.GetOrAdd(MetricName(instrument), static (_, i) => new Family(i), instrument));
            }
        };
        listener.SetMeasurementEventCallback<long>((_, v, tags, family) => Record((Family)family!, v, tags));
        listener.SetMeasurementEventCallback<int>((_, v, tags, family) => Record((Family)family!, v, tags));
        listener.SetMeasurementEventCallback<double>((_, v, tags, family) => Record((Family)family!, v, tags));
        listener.Start();
    }

    public string Render()
    {
        lock (rendering)
        {
            // Observed values are summed over the instruments of a name afresh at each scrape.
            foreach (var family in families.Values.Where(f => f.Observed))
            {
                foreach (var s in family.Series.Values)
                {
                    s.Set(0);
                }
            }
            listener.RecordObservableInstruments();
            var text = new StringBuilder();
            foreach (var (name, family) in families.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                text.Append("# HELP ").Append(name).Append(' ').Append(family.Help.Replace("\\", "\\\\").Replace("\n", "\\n")).Append('\n');
                text.Append("# TYPE ").Append(name).Append(' ').Append(family.Kind).Append('\n');
                foreach (var (labels, s) in family.Series.OrderBy(s => s.Key, StringComparer.Ordinal))
                {
                    s.Render(text, name, labels, family.Kind == "histogram");
                }
            }
            return text.ToString();
        }
    }

    public void Dispose() => listener.Dispose();

    private static void Record(Family family, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var s = family.SeriesOf(tags);
        if (family.IsHistogram)
        {
            s.Observe(value);
        }
        else
        {
            s.Add(value);
        }
    }

    private sealed class Family(Instrument instrument)
    {
        public string Kind { get; } = instrument switch
        {
            _ when IsCounter(instrument) => "counter",
            Histogram<long> or Histogram<int> or Histogram<double> => "histogram",
            _ => "gauge",
        };

        public bool IsHistogram => Kind == "histogram";

        public bool Observed { get; } = instrument.IsObservable;

        public string Help { get; } = instrument.Description ?? instrument.Name;

        /// <summary>By label text: what is rendered.</summary>
        public ConcurrentDictionary<string, Series> Series { get; } = new(StringComparer.Ordinal);

        /// <summary>By the tags as recorded (in their order): what a measurement finds its series by.</summary>
        private readonly ConcurrentDictionary<TagKey, Series> byTags = new();

        public Series SeriesOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length > TagKey.Capacity)
            {
                return Series.GetOrAdd(Labels(tags), static _ => new Series());
            }
            var key = new TagKey(tags);
            if (byTags.TryGetValue(key, out var found))
            {
                return found;
            }
            var series = Series.GetOrAdd(Labels(tags), static _ => new Series());
            byTags.TryAdd(key, series);
            return series;
        }
    }

    /// <summary>Up to three tags as a measurement carries them, compared by key and value (boxed numbers by value).</summary>
    private readonly struct TagKey : IEquatable<TagKey>
    {
        public const int Capacity = 3;

        private readonly int count;
        private readonly KeyValuePair<string, object?> first, second, third;

        public TagKey(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            count = tags.Length;
            first = count > 0 ? tags[0] : default;
            second = count > 1 ? tags[1] : default;
            third = count > 2 ? tags[2] : default;
        }

        public bool Equals(TagKey other) => count == other.count && Same(first, other.first) && Same(second, other.second) && Same(third, other.third);

        public override bool Equals(object? obj) => obj is TagKey other && Equals(other);

        public override int GetHashCode() => HashCode.Combine(count, Hash(first), Hash(second), Hash(third));

        private static bool Same(KeyValuePair<string, object?> one, KeyValuePair<string, object?> other) =>
            string.Equals(one.Key, other.Key, StringComparison.Ordinal) && Equals(one.Value, other.Value);

        private static int Hash(KeyValuePair<string, object?> tag) => HashCode.Combine(tag.Key, tag.Value);
    }

    /// <summary>
    /// Prometheus' conventions over OpenTelemetry's instrument names: the unit as a suffix in base units
    /// (<c>s</c> → <c>_seconds</c>, <c>By</c> → <c>_bytes</c>), and counters end in <c>_total</c>.
    /// </summary>
    public static string MetricName(Instrument instrument)
    {
        var name = new StringBuilder();
        foreach (var c in instrument.Name)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        }
        var unit = instrument.Unit switch
        {
            "s" => "_seconds",
            "By" => "_bytes",
            _ => "",
        };
        if (unit.Length > 0 && !instrument.Name.EndsWith(unit, StringComparison.Ordinal))
        {
            name.Append(unit);
        }
        if (IsCounter(instrument) && !instrument.Name.EndsWith("_total", StringComparison.Ordinal))
        {
            name.Append("_total");
        }
        return name.ToString();
    }

    /// <summary>A counter, or an observable one (a running total read at each scrape, such as the garbage collections).</summary>
    private static bool IsCounter(Instrument instrument) =>
        instrument is Counter<long> or Counter<int> or Counter<double> or ObservableCounter<long> or ObservableCounter<int> or ObservableCounter<double>;

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
