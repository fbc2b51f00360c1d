using System.Diagnostics;
using System.Globalization;
using ClearingCluster.Grains.Trading.Matching;

namespace ClearingCluster.Load.Benchmarks;

/// <summary>
/// The matching engine alone on one thread: a seeded stream of operations around a drifting mid price — 40 %
/// GTC limits within 0–20 ticks behind the mid, 15 % IOC limits reaching across it, 5 % market orders, 40 %
/// cancels of resting orders, from 1,000 participants. Orders are created inside the measured loop (that is the engine's one allocation per order).
/// </summary>
public static class MatchingEngineBenchmark
{
    private static int LastRestingCount;

    private readonly record struct Operation(bool Cancel, int Who, Side Side, OrderType Type, TimeInForce Tif, long Price, long Quantity);

    public static void Run(BenchmarkArguments arguments)
    {
        var operationCount = arguments.Concurrency * 1_000; // --concurrency 5000 → 5 M operations
        // --grains sets the cancel share in percent (default 1000 → 40): lower shares leave deeper books.
        var cancelPercent = arguments.Grains == 1000 ? 40 : arguments.Grains;
        var operations = Generate(operationCount, new Random(674386), cancelPercent);
        var participants = Enumerable.Range(0, 1_000).Select(i => $"member-{i}").ToArray();
        Console.WriteLine($"matching-engine: {operationCount:N0} operations per run, {cancelPercent} % cancels, {arguments.Runs} runs after one warm-up run, 1 thread");

        Measure(operations, participants, sampleLatency: false);
        var results = new List<(double PerSecond, double P50, double P99, double P999, long Fills)>();
        for (var run = 0; run < arguments.Runs; run++)
        {
            var result = Measure(operations, participants, sampleLatency: true);
            results.Add(result);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  run {run + 1}: {result.PerSecond,12:N0} ops/s   p50 {result.P50:0} ns   p99 {result.P99:0} ns   p99.9 {result.P999:0} ns   fills {result.Fills:N0}"));
        }
        var median = results.OrderBy(r => r.PerSecond).ElementAt(results.Count / 2);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  median: {median.PerSecond:N0} ops/s   p50 {median.P50:0} ns   p99 {median.P99:0} ns   p99.9 {median.P999:0} ns"));

        // Throughput without timing each operation (the two timestamps cost ~40 ns themselves).
        var untimed = Enumerable.Range(0, arguments.Runs).Select(_ => Measure(operations, participants, sampleLatency: false).PerSecond).Order().ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  median without per-operation timing: {untimed[untimed.Count / 2]:N0} ops/s; resting orders at the end: {LastRestingCount:N0}"));
    }

    private static (double PerSecond, double P50, double P99, double P999, long Fills) Measure(Operation[] operations, string[] participants, bool sampleLatency)
    {
        var engine = new MatchingEngine(new EngineLimits { PriceBandPercent = 100 });
        var fills = new List<Fill>(1024);
        var latencies = sampleLatency ? new long[operations.Length] : [];
        var restingIds = new long[operations.Length];
        var restingCount = 0;
        long fillCount = 0;
        var pick = 0;

        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < operations.Length; i++)
        {
            var operation = operations[i];
            var before = sampleLatency ? Stopwatch.GetTimestamp() : 0;
            if (operation.Cancel)
            {
                if (restingCount > 0)
                {
                    pick = (pick + 7919) % restingCount;
                    engine.Cancel(restingIds[pick]);
                    restingIds[pick] = restingIds[--restingCount];
                }
            }
            else
            {
                fills.Clear();
                var order = new BookOrder(i + 1, participants[operation.Who], operation.Side, operation.Type, operation.Tif, operation.Price,
                    operation.Quantity, operation.Type == OrderType.Market && operation.Side == Side.Buy ? long.MaxValue / 4 : 0);
                var result = engine.Submit(order, fills);
                fillCount += fills.Count;
                if (result.Outcome is OrderOutcome.Resting or OrderOutcome.PartiallyFilled)
                {
                    restingIds[restingCount++] = order.OrderId;
                }
            }
            if (sampleLatency)
            {
                latencies[i] = Stopwatch.GetTimestamp() - before;
            }
        }
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        LastRestingCount = engine.RestingCount;

        if (!sampleLatency)
        {
            return (operations.Length / seconds, 0, 0, 0, fillCount);
        }
        Array.Sort(latencies);
        double Nanoseconds(double q) => latencies[(int)(q * (latencies.Length - 1))] * 1e9 / Stopwatch.Frequency;
        return (operations.Length / seconds, Nanoseconds(0.50), Nanoseconds(0.99), Nanoseconds(0.999), fillCount);
    }

    private static Operation[] Generate(int count, Random random, int cancelPercent)
    {
        var operations = new Operation[count];
        long mid = 1_000_000;
        const long tick = 100;
        for (var i = 0; i < count; i++)
        {
            if (random.Next(100) == 0)
            {
                mid += (random.Next(3) - 1) * tick;
            }
            var roll = random.Next(100);
            var side = random.Next(2) == 0 ? Side.Buy : Side.Sell;
            var quantity = 1 + random.Next(100);
            var who = random.Next(1_000);
            if (roll < cancelPercent)
            {
                operations[i] = new Operation(true, 0, side, OrderType.Limit, TimeInForce.Gtc, 0, 0);
            }
            else if (roll < cancelPercent + 5)
            {
                operations[i] = new Operation(false, who, side, OrderType.Market, TimeInForce.Ioc, 0, quantity);
            }
            else
            {
                var ioc = roll < cancelPercent + 20;
                // Resting orders sit behind the mid; IOCs reach across it.
                var offset = (ioc ? -random.Next(1, 10) : random.Next(0, 21)) * tick;
                var price = side == Side.Buy ? mid - offset : mid + offset;
                operations[i] = new Operation(false, who, side, OrderType.Limit, ioc ? TimeInForce.Ioc : TimeInForce.Gtc, price, quantity);
            }
        }
        return operations;
    }
}
