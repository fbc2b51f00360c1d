extern alias load;

using System.Reflection;
using ClearingCluster.Client;
using ClearingCluster.Grains.Clearing;
using ClearingCluster.Grains.Metering;
using ClearingCluster.Runtime.Durability;
using ClearingCluster.Silo.Commit;
using load::ClearingCluster.Load.Simulator;
using Microsoft.Extensions.DependencyInjection;

namespace ClearingCluster.EndToEnd.Tests;

/// <summary>
/// The simulator against Gateways broken on purpose: a meter that counts a unit twice, a settlement that drops the
/// exchange's fee. Each run must fail, and its failures must say precisely what differs.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class BrokenBuildTests(GatewayFixture fixture)
{
    private const string AdminKey = "broken-build-admin-key-7c1d";

    private async Task<SimulationResult> SimulateAsync(Action<IServiceCollection> breakIt)
    {
        await using var gateway = GatewayFactory.Start(await fixture.Postgres.CreateDatabaseAsync(), AdminKey, services: breakIt);
        var options = new ClearingClientOptions { RetryAttemptsMax = 10 };
        return await SimulationRun.RunAsync(SimulationProfile.Smoke(TimeSpan.FromSeconds(3)) with { CutOffEvery = TimeSpan.FromSeconds(1) },
            new ClearingClient(gateway.Client(AdminKey), options), key => new ClearingClient(gateway.Client(key), options), SimulationProgress.Lines(TextWriter.Null));
    }

    [Fact]
    public async Task A_meter_that_counts_a_unit_twice_fails_the_run_naming_the_contracts_and_their_units()
    {
        var result = await SimulateAsync(services =>
        {
            services.RemoveAll<ICommitItemWriter>(typeof(UsageWriter));
            services.AddSingleton<ICommitItemWriter>(new DoubleCountingUsageWriter(new UsageWriter()));
        });

        Assert.False(result.Ok);
        Assert.Contains(result.Failures, f => f.StartsWith("statements: contract ", StringComparison.Ordinal) && f.Contains(" units over cycles ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_settlement_that_drops_the_exchange_fee_fails_the_run_with_the_fees_charged_and_received()
    {
        var result = await SimulateAsync(services =>
        {
            var real = services.Single(s => s.ServiceType == typeof(IClearingStore));
            services.Remove(real);
            services.AddSingleton(provider => FeeDroppingStore.Wrap((IClearingStore)ActivatorUtilities.CreateInstance(provider, real.ImplementationType!)));
        });

        Assert.False(result.Ok);
        Assert.Contains(result.Failures, f => f.StartsWith("fees: the cycles ", StringComparison.Ordinal) && f.EndsWith(", the exchange received 0 µ¥", StringComparison.Ordinal));
        // The providers kept the fees: no money was lost, so only the fee check can see this one.
        Assert.DoesNotContain(result.Failures, f => f.StartsWith("money: ", StringComparison.Ordinal));
    }

    /// <summary>Writes usage as it should, then counts the first accepted unit of every part once more.</summary>
    private sealed class DoubleCountingUsageWriter(ICommitItemWriter inner) : ICommitItemWriter
    {
        public Type ItemType => inner.ItemType;

        public void Write(FlushContext flush, IReadOnlyList<CommitItem> items)
        {
            inner.Write(flush, items);
            foreach (var item in items.Cast<UsageCommit>().Where(i => i.Part.Accepted.Count > 0))
            {
                flush.Add("UPDATE contract_usage SET used = used + 1 WHERE contract_id = $1 AND cycle_id = $2", null, item.Part.Accepted[0].ContractId, item.CycleId);
            }
        }
    }

    /// <summary>Stages every cycle without its fee postings (the provider keeps the fee, the exchange gets nothing), report and hash made to match.</summary>
    public class FeeDroppingStore : DispatchProxy
    {
        private IClearingStore inner = null!;

        public static IClearingStore Wrap(IClearingStore inner)
        {
            var proxy = Create<IClearingStore, FeeDroppingStore>();
            ((FeeDroppingStore)(object)proxy).inner = inner;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? method, object?[]? args)
        {
            if (method!.Name == nameof(IClearingStore.StageAsync) && args![1] is StagedCycle staged)
            {
                var postings = staged.Plan.Postings.Where(p => p.Kind != "fee").ToList();
                var plan = new SettlementPlan(staged.Plan.CycleId, postings, SettlementPlan.DeltasOf(staged.Plan.CycleId, postings));
                args[1] = staged with { Plan = plan, Report = staged.Report with { Postings = postings.Count, PostingsHash = CycleHashes.Postings(postings) } };
            }
            try
            {
                return method.Invoke(inner, args);
            }
            catch (TargetInvocationException error) when (error.InnerException is not null)
            {
                throw error.InnerException;
            }
        }
    }
}

internal static class ServiceCollectionRemoval
{
    /// <summary>Removes the registrations of <typeparamref name="TService"/> implemented by <paramref name="implementation"/>.</summary>
    public static void RemoveAll<TService>(this IServiceCollection services, Type implementation)
    {
        foreach (var descriptor in services.Where(s => s.ServiceType == typeof(TService) && s.ImplementationType == implementation).ToList())
        {
            services.Remove(descriptor);
        }
    }
}
