using ClearingCluster.Load.Benchmarks;

// ./cluster load <benchmark> [--seconds N] [--runs N] [--grains N] [--concurrency N]
var arguments = BenchmarkArguments.Parse(args);
switch (arguments.Benchmark)
{
    case "grain-calls":
        await GrainCallBenchmark.RunAsync(arguments);
        return 0;
    case "state-writes":
        await StateWriteBenchmark.RunAsync(arguments);
        return 0;
    default:
        Console.Error.WriteLine("usage: ./cluster load grain-calls|state-writes [--seconds 5] [--runs 5] [--grains 1000] [--concurrency 1000]");
        return 2;
}
