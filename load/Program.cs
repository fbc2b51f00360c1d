using ClearingCluster.Load.Benchmarks;

// ./cluster load grain-calls|grain-calls-async|state-writes|ledger-appends|matching-engine|orders-http|usage-http|usage-recovery|commit-log|clearing|failover|silo-calls|cluster [--seconds N] [--runs N] [--grains N] [--concurrency N]
var arguments = BenchmarkArguments.Parse(args);
switch (arguments.Benchmark)
{
    case "grain-calls":
        await GrainCallBenchmark.RunAsync(arguments, yielding: false);
        return 0;
    case "grain-calls-async":
        await GrainCallBenchmark.RunAsync(arguments, yielding: true);
        return 0;
    case "matching-engine":
        MatchingEngineBenchmark.Run(arguments);
        return 0;
    case "usage-http":
        await UsageBenchmark.RunAsync(arguments);
        return 0;
    case "usage-recovery":
        await UsageRecoveryBenchmark.RunAsync(arguments);
        return 0;
    case "orders-http":
        await HttpOrderBenchmark.RunAsync(arguments);
        return 0;
    case "run":
        return await ClearingCluster.Load.Simulator.SimulatorCommand.RunAsync(args[1..]);
    case "report":
        return await ClearingCluster.Load.Simulator.SimulatorCommand.ReportAsync(args[1..]);
    case "clearing":
        await ClearingBenchmark.RunAsync(arguments);
        return 0;
    case "failover":
        await FailoverBenchmark.RunAsync(arguments);
        return 0;
    case "silo-calls":
        await SiloCallBenchmark.RunAsync(arguments);
        return 0;
    case "cluster":
        await ClusterBenchmark.RunAsync(arguments);
        return 0;
    case "commit-log":
        await CommitLogBenchmark.RunAsync(arguments);
        return 0;
    case "ledger-appends":
        await LedgerAppendBenchmark.RunAsync(arguments);
        return 0;
    case "state-writes":
        await StateWriteBenchmark.RunAsync(arguments);
        return 0;
    default:
        Console.Error.WriteLine("usage: ./cluster load grain-calls|grain-calls-async|state-writes|ledger-appends|matching-engine|orders-http|usage-http|usage-recovery|commit-log|clearing|failover|silo-calls|cluster [--lease 10] [--silos 3] [--format json|ndjson|binary] [--contracts 1000000] [--records 1000] [--seconds 5] [--runs 5] [--grains 1000] [--concurrency 1000]");
        return 2;
}
