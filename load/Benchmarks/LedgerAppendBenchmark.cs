using System.Text.Json.Nodes;
using ClearingCluster.Interfaces.Ledger;
using ClearingCluster.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace ClearingCluster.Load.Benchmarks;

/// <summary>Durable evidence-ledger appends per second: concurrent appenders, one ledger grain, group commit by binary COPY.</summary>
public static class LedgerAppendBenchmark
{
    public static async Task RunAsync(BenchmarkArguments arguments)
    {
        await using var silo = await SiloBenchmarkHost.StartAsync();
        var ledger = silo.Services.GetRequiredService<IGrainFactory>().GetGrain<ILedgerGrain>(ILedgerGrain.Key);
        long next = 0;
        Task Append(int worker)
        {
            var n = Interlocked.Increment(ref next);
            return ledger.Append(new EvidenceRecord($"bench/{n}", "account.deposit", $"member-{worker}", new JsonObject
            {
                ["amount"] = 5_000_000 + n,
                ["reference"] = $"bank-{n}",
            }));
        }
        await Measurement.ReportAsync("ledger-appends (PostgreSQL, fsync on, group commit)", arguments, () =>
            Measurement.RunAsync(arguments.Concurrency, TimeSpan.FromSeconds(arguments.Seconds), Append, sampleLatency: true));
    }
}
