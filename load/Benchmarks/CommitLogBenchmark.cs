using System.Text.Json.Nodes;
using ClearingCluster.Grains.Accounts;
using ClearingCluster.Grains.Ledger;
using ClearingCluster.Grains.Trading;
using ClearingCluster.Grains.Trading.Journal;
using ClearingCluster.Interfaces.Accounts;
using ClearingCluster.Interfaces.Ledger;
using ClearingCluster.Runtime.Durability;
using Microsoft.Extensions.DependencyInjection;

namespace ClearingCluster.Load.Benchmarks;

/// <summary>
/// The commit log alone on PostgreSQL (fsync on), without HTTP or grains: concurrent workers each submit a book item of
/// <c>--records</c> orders (journal chunk, activity row, a buyer's reserve as an account delta) and wait for it; with
/// <c>--evidence true</c> every item is followed by a ledger entry, as a book's evidence would be. What a flush costs
/// the database, measured apart from everything that shares the cores with it in the other benchmarks.
/// </summary>
public static class CommitLogBenchmark
{
    public static async Task RunAsync(BenchmarkArguments arguments)
    {
        var records = arguments.Int("records", 1);
        var books = arguments.Int("books", 1);
        var evidence = arguments.Text("evidence", "true") == "true";
        await using var silo = await SiloBenchmarkHost.StartAsync();
        var commit = silo.Services.GetRequiredService<GroupCommit>();

        // Buyers with money, so a reserve's delta lands on an existing row.
        var bank = await commit.OpenWriterAsync("bench/bank", CancellationToken.None);
        var buyers = Enumerable.Range(0, arguments.Concurrency).Select(i => $"buyer-{i}").ToArray();
        await Task.WhenAll(buyers.Select(b => bank.CommitAsync(new AccountCommit(b, new AccountDelta(b, 1_000_000_000_000, 0, 0),
            new AccountOperation($"deposit:{b}", "{}"), [], null))));

        var writers = new CommitWriter[books];
        for (var b = 0; b < books; b++)
        {
            writers[b] = await commit.OpenWriterAsync($"bench/book-{b}", CancellationToken.None);
        }
        var ledger = await commit.OpenWriterAsync("bench/ledger", CancellationToken.None);
        var item = new long[books];
        long order = 0, seq = 0;
        var at = EvidenceChain.Truncate(DateTimeOffset.UtcNow);

        Task Submit(int worker)
        {
            var book = worker % books;
            var buyer = buyers[worker];
            Task done;
            // A book numbers its items and orders and submits them in one turn; the lock stands in for that turn.
            lock (writers[book])
            {
                var batch = new BookBatch($"bench-{book}", ++item[book], at);
                for (var i = 0; i < records; i++)
                {
                    var number = ++order;
                    batch.Events.Add(new OrderPlaced(number, number, buyer, $"c-{number}", buyer, "buy", "limit", "gtc", 1_000, 10, 0, "s", 30, 10_000,
                        "resting", 0, 10, null, 0, at));
                    batch.Placed(buyer, number, $"c-{number}");
                    batch.Move(new AccountDelta(buyer, -10_000, 10_000, 0), tellAccount: false);
                }
                done = writers[book].CommitAsync(new BookCommit(batch));
            }
            if (!evidence)
            {
                return done;
            }
            var n = Interlocked.Increment(ref seq);
            var entry = new LedgerEntry(n, $"bench/{n}", ContractMergeKind, $"bench-{book}", new JsonObject { ["root"] = "00", ["count"] = records },
                new string('0', 64), new string('0', 64), at);
            return Task.WhenAll(done, ledger.CommitAsync(new LedgerAppend([entry])));
        }

        var flushesBefore = commit.Metrics.Flushes;
        await Measurement.ReportAsync($"commit-log ({books} books, {records} orders an item{(evidence ? ", a ledger entry each" : "")}; rate in items/s, latency per item)",
            arguments, () => Measurement.RunAsync(arguments.Concurrency, TimeSpan.FromSeconds(arguments.Seconds), Submit, sampleLatency: true), grains: false);
        Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"  {commit.Metrics.Flushes - flushesBefore:N0} flushes over all runs"));
    }

    private const string ContractMergeKind = "bench.entry";
}
