using System.Diagnostics;
using System.Globalization;

namespace ClearingCluster.Load.Benchmarks;

/// <summary>Runs a closed-loop load of concurrent workers for a fixed time, several times, and prints the median.</summary>
public static class Measurement
{
    public sealed record RunResult(double PerSecond, double P50Ms, double P99Ms);

    public static async Task<RunResult> RunAsync(int concurrency, TimeSpan duration, Func<int, Task> operation, bool sampleLatency)
    {
        var stop = Stopwatch.StartNew();
        var counts = new long[concurrency];
        var samples = new List<double>[concurrency];
        var workers = Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            var mine = samples[worker] = [];
            long done = 0;
            while (stop.Elapsed < duration)
            {
                var started = sampleLatency ? Stopwatch.GetTimestamp() : 0;
                await operation(worker);
                if (sampleLatency && (done & 15) == 0)
                {
                    mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
                done++;
            }
            counts[worker] = done;
        })).ToArray();
        await Task.WhenAll(workers);
        var elapsed = stop.Elapsed.TotalSeconds;
        var all = samples.SelectMany(s => s).Order().ToArray();
        return new RunResult(counts.Sum() / elapsed, Percentile(all, 0.50), Percentile(all, 0.99));
    }

    /// <param name="grains">Whether the benchmark spreads its calls over <c>--grains</c> grains (and the header says how many).</param>
    public static async Task ReportAsync(string name, BenchmarkArguments arguments, Func<Task<RunResult>> run, bool grains = true)
    {
        var spread = grains ? $"{arguments.Grains} grains, " : "";
        var warmups = arguments.Int("warmups", 1);
        Console.WriteLine($"{name}: {arguments.Runs} runs of {arguments.Seconds} s after {warmups} warm-up run(s), {spread}{arguments.Concurrency} concurrent callers, {Environment.ProcessorCount} cores");
        // JIT tiering and a cold database make the first runs slow; they are run and not counted (--warmups N).
        for (var i = 0; i < warmups; i++)
        {
            await run();
        }
        var results = new List<RunResult>();
        for (var i = 0; i < arguments.Runs; i++)
        {
            var result = await run();
            results.Add(result);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  run {i + 1}: {result.PerSecond,12:N0} /s   p50 {result.P50Ms:0.000} ms   p99 {result.P99Ms:0.000} ms"));
        }
        var median = results.OrderBy(r => r.PerSecond).ElementAt(results.Count / 2);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  median: {median.PerSecond:N0} /s   p50 {median.P50Ms:0.000} ms   p99 {median.P99Ms:0.000} ms"));
    }

    private static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
}
