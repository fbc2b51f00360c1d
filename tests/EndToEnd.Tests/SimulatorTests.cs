extern alias load;

using ClearingCluster.Client;
using load::ClearingCluster.Load.Simulator;

namespace ClearingCluster.EndToEnd.Tests;

/// <summary>
/// The peak-day simulator's smoke profile, shortened, against the test Gateway: every flow at once (quotes, bids, IOC
/// and market orders, cancels, usage from two producers, balance queries, cut-offs with compute and settle), then every
/// check. And the checks themselves fail, precisely, when the exchange and the simulator's tally disagree.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class SimulatorTests(GatewayFixture fixture)
{
    private static readonly ClearingClientOptions Options = new() { RetryAttemptsMax = 10 };

    /// <summary>
    /// A Gateway of the run's own, on a database of its own: the simulator's load (and whatever it leaves still running)
    /// stays out of the other tests' exchange.
    /// </summary>
    private async Task<GatewayFactory> OwnGatewayAsync() => GatewayFactory.Start(await fixture.Postgres.CreateDatabaseAsync(), GatewayFixture.AdminKey);

    private async Task<SimulationResult> RunAsync(Action<SimulationTally, SimulationWorld>? beforeChecks = null)
    {
        await using var gateway = await OwnGatewayAsync();
        var admin = new ClearingClient(gateway.Client(GatewayFixture.AdminKey), Options);
        return await SimulationRun.RunAsync(SimulationProfile.Smoke(TimeSpan.FromSeconds(4)) with { CutOffEvery = TimeSpan.FromSeconds(1.5) }, admin,
            key => new ClearingClient(gateway.Client(key), Options), SimulationProgress.Lines(TextWriter.Null), beforeChecks);
    }

    [Fact]
    public async Task The_smoke_profile_runs_every_flow_at_once_and_every_check_holds()
    {
        var result = await RunAsync();

        Assert.True(result.Ok, string.Join("\n", result.Failures.Concat(result.ErrorSamples)));
        Assert.True(result.OrdersPlaced > 0 && result.OrdersCancelled > 0 && result.OrderBatches > 0 && result.UsageRecordsAccepted > 0 && result.Queries > 0,
            SimulationRun.Json(result));
        Assert.True(result.CutOffs >= 2, $"{result.CutOffs} cycles");
        Assert.Equal(["usage", "statements", "money", "fees", "reconciliation", "ledger"], result.Checks.Select(c => c.Name));
        Assert.All(result.Checks, check => Assert.True(check.Held, check.Detail));
        // What the report draws: a point a second, every acknowledged order's latency, each cycle's steps timed and marked.
        Assert.InRange(result.Timeline.Count, 3, 6);
        Assert.Equal(result.OrdersPlaced + result.OrdersRefused, result.OrderLatency.Count);
        Assert.Equal(result.CutOffs, result.Settle.Count);
        Assert.Equal(result.CutOffs, result.Events.Count(e => e.Kind == "settle"));
        Assert.Contains("every check held", SimulationHtmlReport.Render(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_loop_at_a_target_rate_after_a_warm_up_sends_no_more_than_that_and_still_every_check_holds()
    {
        await using var gateway = await OwnGatewayAsync();
        var admin = new ClearingClient(gateway.Client(GatewayFixture.AdminKey), Options);
        var profile = SimulationProfile.Smoke(TimeSpan.FromSeconds(3)) with
        {
            CutOffEvery = TimeSpan.FromSeconds(1.5), OrdersPerSecond = 100, UsageRecordsPerSecond = 1_000, UsageFormat = UsageEncoding.Ndjson,
            Warmup = TimeSpan.FromSeconds(1),
        };

        var result = await SimulationRun.RunAsync(profile, admin, key => new ClearingClient(gateway.Client(key), Options), SimulationProgress.Lines(TextWriter.Null));

        Assert.True(result.Ok, string.Join("\n", result.Failures.Concat(result.ErrorSamples)));
        // A schedule cannot send ahead of itself: at most the rate's worth in the run (a request or batch in hand when it stops may add one).
        var seconds = result.WarmupSeconds + result.Seconds;
        Assert.InRange(result.OrdersPlaced + result.OrdersRefused, 1, (100 * seconds) + profile.OrderBatch);
        Assert.InRange(result.UsageRecordsAccepted, 1, (1_000 * seconds) + (profile.UsageBatchRecords * profile.UsageProducers));
        // The warm-up is left out of the rates and percentiles, not out of the checks.
        Assert.InRange(result.WarmupSeconds, 1, 2.5);
        Assert.Contains(result.Events, e => e.Kind == "measure");
        Assert.InRange(result.OrdersPerSecond, 1, 100 * 1.5);
        Assert.True(result.OrderLatency.Count < result.OrdersPlaced + result.OrdersRefused, "the warm-up's latencies are not in the summary");
    }

    [Fact]
    public async Task The_fuzz_profile_gets_no_server_error_a_problem_for_every_refusal_and_changes_nothing()
    {
        await using var gateway = await OwnGatewayAsync();
        var admin = new ClearingClient(gateway.Client(GatewayFixture.AdminKey), Options);

        var result = await SimulationRun.FuzzAsync(2_000, admin, GatewayFixture.AdminKey, key => new ClearingClient(gateway.Client(key), Options),
            key => gateway.Client(key), TextWriter.Null);

        Assert.True(result.Violations.Count == 0, string.Join("\n", result.Violations));
        Assert.Empty(result.StateChanges);
        Assert.Equal(2_000, result.ByStatus.Values.Sum());
        Assert.DoesNotContain(result.ByStatus.Keys, status => status >= 500);
        Assert.True(result.ByKind.Count >= 14, string.Join(", ", result.ByKind.Keys));
    }

    [Fact]
    public async Task A_unit_the_exchange_did_not_count_fails_the_run_naming_its_contract()
    {
        string? tampered = null;
        var result = await RunAsync((tally, world) =>
        {
            tampered = world.Contracts[0];
            tally.UnitsByContract.AddOrUpdate(tampered, 1, (_, units) => units + 1);
        });

        Assert.False(result.Ok);
        Assert.Contains(result.Failures, f => f.StartsWith($"usage: contract {tampered} used ", StringComparison.Ordinal));
        Assert.Contains(result.Failures, f => f.StartsWith($"statements: contract {tampered} settled ", StringComparison.Ordinal));
    }
}
