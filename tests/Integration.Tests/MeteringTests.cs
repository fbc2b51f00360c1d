using ClearingCluster.Grains.Metering;
using ClearingCluster.Interfaces.Accounts;
using ClearingCluster.Interfaces.Metering;
using ClearingCluster.Interfaces.Participants;
using ClearingCluster.Interfaces.Products;
using ClearingCluster.Interfaces.Trading;
using ClearingCluster.Runtime;
using ClearingCluster.TestSupport;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ClearingCluster.Integration.Tests;

[Collection(PostgresCollection.Name)]
public sealed class MeteringTests(TestPostgres postgres)
{
    /// <summary>Makes an active contract of <paramref name="quota"/> units and returns its id and validity start.</summary>
    internal static async Task<(string Contract, long FromMicros)> ContractAsync(IGrainFactory grains, string tag, long quota)
    {
        foreach (var (id, role) in new[] { ($"p-{tag}", Roles.Provider), ($"b-{tag}", Roles.Buyer) })
        {
            await grains.GetGrain<IParticipantGrain>(id).Register(new RegisterParticipant(id, id, [role], 1));
            await grains.GetGrain<IParticipantGrain>(id).Approve();
        }
        await grains.GetGrain<IAccountGrain>($"b-{tag}").Deposit(10_000_000_000, "f");
        var product = $"prod-{tag}";
        await grains.GetGrain<IProductGrain>(product).Submit(new SubmitProduct(product, $"p-{tag}", "P", "api", "call", "geo", ["s"], "api"));
        await grains.GetGrain<IProductGrain>(product).Review(true, "");
        await grains.PlaceAsync(new PlaceOrder("s", $"p-{tag}", product, "sell", "limit", "gtc", 1, quota, 0, null, 0));
        var buy = await grains.PlaceAsync(new PlaceOrder("b", $"b-{tag}", product, "buy", "limit", "gtc", 1, quota, 0, "s", 30));
        // A contract is valid from its fill, which is when its buy was placed.
        return (buy.Fills[0].ContractId, Grains.Metering.Wire.UsageEnvelope.ToMicros(buy.CreatedAt) + 1_000_000);
    }

    internal static async Task<MeterAnswer> Submit(IGrainFactory grains, MeterOptions options, string producer, long sequence, params UsageRecord[] records)
    {
        var batch = new UsageBatch(producer, sequence, [.. records.Select(r => (UsageRecord?)r)]);
        var split = UsageSplit.Cut(batch, producer, null, options.ShardCount);
        var answers = await Task.WhenAll(split.Parts.Select(p => grains.GetGrain<IMeterGrain>(p.Key.ToString(System.Globalization.CultureInfo.InvariantCulture)).Apply(p.Value)));
        return UsageSplit.Combine(answers, split.BadRecords);
    }

    [Fact]
    public async Task Concurrent_producers_never_pass_a_quota_and_reach_it_exactly()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var silo = await SiloHost.StartAsync(database);
        var options = silo.Services.GetRequiredService<MeterOptions>();
        var runs = 0;

        var property = Prop.ForAll(Gen.Choose(1, 10).Select(n => (long)n).ArrayOf().ArrayOf().ToArbitrary(), Gen.Choose(1, 150).ToArbitrary(), (producers, quota) =>
        {
            var run = Interlocked.Increment(ref runs);
            var (contract, at) = ContractAsync(silo.Grains, $"q{run}", quota).GetAwaiter().GetResult();
            var answers = Task.WhenAll(producers.Select((batches, p) => Task.Run(async () =>
            {
                long accepted = 0;
                for (var s = 0; s < batches.Length; s++)
                {
                    accepted += (await Submit(silo.Grains, options, $"producer-{run}-{p}", s, new UsageRecord($"c{p}-{s}", contract, at, batches[s]))).AcceptedUnits;
                }
                return accepted;
            }))).GetAwaiter().GetResult();
            var offered = producers.SelectMany(b => b).Sum();
            var acceptedUnits = answers.Sum();
            var stored = StoredUsed(database, contract).GetAwaiter().GetResult();
            // Never past the quota; when more was offered than fits, what remains is smaller than a refused record (≤ 10).
            var ok = acceptedUnits <= quota && stored == acceptedUnits && (offered <= quota ? acceptedUnits == offered : quota - acceptedUnits < 10);
            return ok ? true : throw new InvalidOperationException($"quota {quota}, offered {offered}, accepted {acceptedUnits}, stored {stored}");
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(12).WithReplay(674386, 1), property);
    }

    [Fact]
    public async Task When_the_database_goes_away_usage_is_refused_and_when_it_returns_nothing_was_lost()
    {
        var own = new TestPostgres();
        await own.InitializeAsync();
        try
        {
            await using var silo = await SiloHost.StartAsync(own.ConnectionString, new Dictionary<string, string?>
            {
                ["Clearing:Metering:RetryAfter"] = "00:00:00.200",
            });
            var options = silo.Services.GetRequiredService<MeterOptions>();
            var (contract, at) = await ContractAsync(silo.Grains, "outage", 1_000);
            Assert.Equal(5, (await Submit(silo.Grains, options, "gw", 1, new UsageRecord("a", contract, at, 5))).AcceptedUnits);

            await own.StopServerAsync();
            var refused = 0;
            for (var s = 2; s < 6; s++)
            {
                try
                {
                    await Submit(silo.Grains, options, "gw", s, new UsageRecord($"r{s}", contract, at, 1));
                }
                catch (Exception error) when (Unavailable(error))
                {
                    refused++;
                }
            }
            Assert.Equal(4, refused);

            await own.StartServerAsync();
            // The producer retries its refused batches once the database is back.
            long retried = 0;
            for (var s = 2; s < 6; s++)
            {
                retried += await RetryAsync(() => Submit(silo.Grains, options, "gw", s, new UsageRecord($"r{s}", contract, at, 1)), options.RetryAfter);
            }
            Assert.Equal(4, retried);
            Assert.Equal(9, await StoredUsed(own.ConnectionString, contract));
            Assert.Equal(9, await silo.Grains.GetGrain<IMeterGrain>(MeterShards.ShardOf(contract, options.ShardCount).ToString(System.Globalization.CultureInfo.InvariantCulture)).Used(contract));
        }
        finally
        {
            await own.DisposeAsync();
        }
    }

    /// <summary>Retries after the meter's retry hint while it says to come back later (a producer's loop), bounded.</summary>
    private static async Task<long> RetryAsync(Func<Task<MeterAnswer>> submit, TimeSpan retryAfter)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return (await submit()).AcceptedUnits;
            }
            catch (Exception error) when (Unavailable(error) && attempt < 50)
            {
                await Task.Delay(error is MeterUnavailableException unavailable ? unavailable.RetryAfter : retryAfter);
            }
        }
    }

    /// <summary>What a producer is told while the database is away: not now, retry (a shard reloading cannot claim its epoch either).</summary>
    private static bool Unavailable(Exception error) =>
        error is MeterUnavailableException or NpgsqlException || error is GrainActivationException { InnerException: NpgsqlException };

    internal static async Task<long> StoredUsed(string database, string contract)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT coalesce(sum(used), 0) FROM contract_usage WHERE contract_id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = contract });
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
