using System.Globalization;

namespace ClearingCluster.Load.Benchmarks;

/// <summary><c>benchmark [--name value]…</c>; the common options have properties, the rest are read by name.</summary>
public sealed record BenchmarkArguments(string Benchmark, IReadOnlyDictionary<string, string> Options)
{
    public int Seconds => Int("seconds", 5);

    public int Runs => Int("runs", 5);

    public int Grains => Int("grains", 1000);

    public int Concurrency => Int("concurrency", 1000);

    public int Int(string name, int fallback) =>
        Options.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public string Text(string name, string fallback) => Options.GetValueOrDefault(name, fallback);

    public static BenchmarkArguments Parse(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            options[args[i].TrimStart('-')] = args[i + 1];
        }
        return new BenchmarkArguments(args.Length > 0 ? args[0] : "", options);
    }
}
