using System.Globalization;

namespace ClearingCluster.Load.Benchmarks;

public sealed record BenchmarkArguments(string Benchmark, int Seconds, int Runs, int Grains, int Concurrency)
{
    public static BenchmarkArguments Parse(string[] args)
    {
        var options = new Dictionary<string, int>();
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            options[args[i].TrimStart('-')] = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
        }
        return new BenchmarkArguments(
            args.Length > 0 ? args[0] : "",
            options.GetValueOrDefault("seconds", 5),
            options.GetValueOrDefault("runs", 5),
            options.GetValueOrDefault("grains", 1000),
            options.GetValueOrDefault("concurrency", 1000));
    }
}
