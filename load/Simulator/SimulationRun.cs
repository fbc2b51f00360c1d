using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ClearingCluster.Client;

namespace ClearingCluster.Load.Simulator;

/// <summary>
/// One simulated day: build the world, run every flow at once for the profile's duration (or until a disruption ends)
/// while sampling a timeline each second, stop, cut off, compute and settle what is left, then check everything
/// (<see cref="SimulationChecks"/>).
/// </summary>
public static class SimulationRun
{
    /// <param name="beforeChecks">For testing the checks themselves: changes the tally before they compare it.</param>
    /// <param name="disruption">
    /// The chaos profile's kills, told how to report each: the flows run until it ends (not for the profile's duration);
    /// it returns how many kills it made.
    /// </param>
    /// <param name="memory">Reads the Gateway's memory each second, for the timeline and the charts.</param>
    /// <param name="repeats">Counts what the clients of <paramref name="clientFor"/> repeat on their own, for the report.</param>
    public static async Task<SimulationResult> RunAsync(SimulationProfile profile, ClearingClient admin, Func<string, ClearingClient> clientFor,
        SimulationProgress progress, Action<SimulationTally, SimulationWorld>? beforeChecks = null,
        Func<Action<string, string>, CancellationToken, Task<int>>? disruption = null, GatewayMemoryProbe? memory = null, RepeatCounter? repeats = null)
    {
        var runId = "sim" + Guid.NewGuid().ToString("N")[..8];
        var startedAt = DateTimeOffset.UtcNow;
        progress.Say($"simulator: profile {profile.Name}, run {runId}: building the world through the API…");
        // Money before the world is built: its deposits are part of what the run adds.
        var (totalBefore, _) = await SimulationChecks.MoneyAsync(admin);
        var exchangeBefore = await SimulationChecks.ExchangeAsync(admin);
        var world = await SimulationWorld.BuildAsync(profile, admin, clientFor, runId);

        // Cycles cut before the run belong to others: settled first, so this run's cycles start clean.
        var before = await admin.ListCyclesAsync(limit: 1);
        var firstCycle = before.Cycles[0].Number;
        var staff = world.Staff.Client;
        var worldText = $"{world.Providers.Count} providers, {world.Buyers.Count} buyers, {world.Products.Count} products, {world.Contracts.Count} metered contracts, "
            + $"{profile.UsageProducers} data gateways";
        var load = LoadText(profile);
        progress.Say($"  {worldText}; {load}; from cycle c{firstCycle}");

        var tally = new SimulationTally();
        var timeline = new SimulationTimeline(tally, memory);
        using var stop = disruption is null ? new CancellationTokenSource(profile.Warmup + profile.Duration) : new CancellationTokenSource();
        var measured = (Seconds: 0.0, Orders: 0L, Usage: 0L);
        var measuring = profile.Warmup <= TimeSpan.Zero;
        var simulation = new SimulationFlows(profile, world, tally, runId) { OnEvent = timeline.Event };
        var killed = 0;
        await progress.ShowWhileAsync(async () =>
        {
            var flows = simulation.RunAsync(stop.Token);
            var kills = disruption is null ? Task.FromResult(0) : disruption(timeline.Event, CancellationToken.None).ContinueWith(k =>
            {
                stop.Cancel();
                return k;
            }, TaskScheduler.Default).Unwrap();
            using var second = new PeriodicTimer(TimeSpan.FromSeconds(1));
            while (!flows.IsCompleted)
            {
                await Task.WhenAny(flows, second.WaitForNextTickAsync().AsTask());
                var point = await timeline.SampleAsync();
                if (!measuring && timeline.Elapsed >= profile.Warmup)
                {
                    measuring = true;
                    tally.OrderLatency.StartMeasuring();
                    tally.UsageLatency.StartMeasuring();
                    measured = (timeline.Elapsed.TotalSeconds, tally.OrdersAnswered, tally.UsageRecordsAnswered);
                    timeline.Event("measure", $"warm-up over after {timeline.Elapsed.TotalSeconds:0} s: measuring");
                }
                progress.Update(new SimulationStatus(timeline.Elapsed, disruption is null ? profile.Warmup + profile.Duration : null, point, tally, timeline.Events));
            }
            await flows;
            killed = await kills;
        });
        var flowSeconds = timeline.Elapsed.TotalSeconds - measured.Seconds;
        if (!tally.InDoubt.IsEmpty || !tally.InDoubtOrders.IsEmpty)
        {
            progress.Say($"  resending {tally.InDoubt.Count + tally.InDoubtOrders.Count} requests whose answers never came, as sent…");
        }
        await simulation.ResendInDoubtAsync();

        var clock = Stopwatch.StartNew();
        var last = await staff.CutOffCycleAsync();
        tally.CutOffMs.Enqueue(clock.Elapsed.TotalMilliseconds);
        timeline.Event("cut-off", $"{last.CycleId}, the run's last, cut off");
        await SimulationFlows.SettleThroughAsync(staff, last, tally, timeline.Event);
        beforeChecks?.Invoke(tally, world);
        progress.Say($"  checking every contract, statement, account and the ledger…");
        var checks = await SimulationChecks.RunAsync(world, tally, totalBefore, exchangeBefore, firstCycle, last.Number);
        return new SimulationResult
        {
            Profile = profile.Name, RunId = runId, StartedAt = startedAt, Seconds = flowSeconds, Load = load, World = worldText,
            OrdersPlaced = tally.OrdersPlaced, OrdersRefused = tally.OrdersRefused, OrdersCancelled = tally.OrdersCancelled, OrderBatches = tally.OrderBatches,
            OrdersPerSecond = (tally.OrdersAnswered - measured.Orders) / flowSeconds,
            UsageRecordsAccepted = tally.UsageRecordsAccepted, UsageRecordsRejected = tally.UsageRecordsRejected,
            UsageRecordsPerSecond = (tally.UsageRecordsAnswered - measured.Usage) / flowSeconds, WarmupSeconds = measured.Seconds,
            Queries = tally.Queries, CutOffs = tally.CutOffs + 1, Errors = tally.Errors, ErrorSamples = [.. tally.ErrorSamples],
            OrderLatency = LatencySummary.Of(tally.OrderLatency.Whole), UsageBatchLatency = LatencySummary.Of(tally.UsageLatency.Whole),
            CutOff = DurationSummary.Of(tally.CutOffMs), Compute = DurationSummary.Of(tally.ComputeMs), Settle = DurationSummary.Of(tally.SettleMs),
            Checks = checks.Checks, Failures = checks.Failures, Timeline = timeline.Points, Events = timeline.Events,
            Kills = killed, RepeatedByClient = repeats?.RequestsRepeated ?? 0, ClientRepeats = repeats?.Repeats ?? 0,
            UnansweredAtEnd = tally.InDoubtRequests, ResentAtEnd = tally.Resent, LostUnits = checks.LostUnits,
            DoubleCountedUnits = checks.DoubleCountedUnits, MicrosCreated = checks.MicrosCreated,
        };
    }

    private static long Orders(SimulationTally tally) => Interlocked.Read(ref tally.OrdersPlaced) + Interlocked.Read(ref tally.OrdersRefused);

    private static long Usage(SimulationTally tally) => Interlocked.Read(ref tally.UsageRecordsAccepted) + Interlocked.Read(ref tally.UsageRecordsRejected);

    private static string LoadText(SimulationProfile profile)
    {
        var orders = profile.OrdersPerSecond is { } o ? string.Create(CultureInfo.InvariantCulture, $"orders open loop at {o:N0}/s") : "orders closed loop";
        var usage = profile.UsageRecordsPerSecond is { } u ? string.Create(CultureInfo.InvariantCulture, $"usage open loop at {u:N0} records/s") : "usage closed loop";
        var warmup = profile.Warmup > TimeSpan.Zero ? $"{profile.Warmup.TotalSeconds:0} s of warm-up then " : "";
        var length = profile.Name == "chaos" ? "until the kills are done" : $"{warmup}{profile.Duration.TotalSeconds:0} s measured";
        return $"{orders}, {usage} in {profile.UsageFormat.ToString().ToLowerInvariant()} batches of {profile.UsageBatchRecords:N0}, {length}, "
            + $"a cut-off every {profile.CutOffEvery.TotalSeconds:0} s";
    }

    /// <summary>The <c>fuzz</c> profile: the smoke world, then <paramref name="requests"/> bad requests from 8 callers at once.</summary>
    public static async Task<FuzzResult> FuzzAsync(int requests, ClearingClient admin, string adminKey, Func<string, ClearingClient> clientFor,
        Func<string?, HttpClient> httpFor, TextWriter progress)
    {
        var runId = "fuzz" + Guid.NewGuid().ToString("N")[..8];
        progress.WriteLine($"simulator: profile fuzz, run {runId}: building the world through the API…");
        var world = await SimulationWorld.BuildAsync(SimulationProfile.Smoke(), admin, clientFor, runId);
        progress.WriteLine($"  sending {requests:N0} bad requests from 8 callers…");
        return await new SimulationFuzz(world, httpFor, adminKey, seed: 20261129).RunAsync(requests, concurrency: 8, CancellationToken.None);
    }

    public static void Report(FuzzResult result, TextWriter output)
    {
        output.WriteLine($"fuzz: {result.Requests:N0} bad requests; by kind: {string.Join(", ", result.ByKind.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}"))}");
        output.WriteLine($"  answers: {string.Join(", ", result.ByStatus.OrderBy(s => s.Key).Select(s => $"{s.Key} × {s.Value}"))}");
        foreach (var v in result.Violations)
        {
            output.WriteLine($"  FAILED {v.Kind}: {v.Method} {v.Path} → {v.Status}: {v.Detail}");
        }
        foreach (var change in result.StateChanges)
        {
            output.WriteLine($"  FAILED {change}");
        }
        output.WriteLine(result.Violations.Count == 0 && result.StateChanges.Count == 0
            ? "  no 5xx, every refusal problem+json, every replay a duplicate, nothing changed"
            : $"  {result.Violations.Count} violations, {result.StateChanges.Count} state changes");
    }

    public static string Json(SimulationResult result) =>
        JsonSerializer.Serialize(result, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true });
}
