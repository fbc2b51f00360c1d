using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ClearingCluster.Client;

namespace ClearingCluster.Load.Simulator;

/// <summary>What a run did and whether every check held; written as JSON with <c>--out</c>.</summary>
public sealed record SimulationResult(
    string Profile, string RunId, double Seconds, long OrdersPlaced, long OrdersRefused, long OrdersCancelled, long UsageRecordsAccepted,
    long UsageRecordsRejected, long Queries, long CutOffs, long Errors, IReadOnlyList<string> ErrorSamples, double OrderP50Ms, double OrderP99Ms,
    double OrderP999Ms, double UsageBatchP50Ms, double UsageBatchP99Ms, IReadOnlyList<string> Failures, int Kills = 0, long InDoubtResent = 0)
{
    /// <summary>Every check held; and, unless the Gateway was killed on purpose, no request failed.</summary>
    public bool Ok => Failures.Count == 0 && (Kills > 0 || Errors == 0);
}

/// <summary>
/// One simulated day: build the world, run every flow at once for the profile's duration with a progress line each
/// second, stop, cut off, compute and settle what is left, then check everything (<see cref="SimulationChecks"/>).
/// </summary>
public static class SimulationRun
{
    /// <param name="beforeChecks">For testing the checks themselves: changes the tally before they compare it.</param>
    /// <param name="disruption">The chaos profile's kills: the flows run until it ends (not for the profile's duration); it returns how many.</param>
    public static async Task<SimulationResult> RunAsync(SimulationProfile profile, ClearingClient admin, Func<string, ClearingClient> clientFor, TextWriter progress,
        Action<SimulationTally, SimulationWorld>? beforeChecks = null, Func<CancellationToken, Task<int>>? disruption = null)
    {
        var runId = "sim" + Guid.NewGuid().ToString("N")[..8];
        progress.WriteLine($"simulator: profile {profile.Name}, run {runId}: building the world through the API…");
        // Money before the world is built: its deposits are part of what the run adds.
        var (totalBefore, _) = await SimulationChecks.MoneyAsync(admin);
        var exchangeBefore = await SimulationChecks.ExchangeAsync(admin);
        var world = await SimulationWorld.BuildAsync(profile, admin, clientFor, runId);

        // Cycles cut before the run belong to others: settled first, so this run's cycles start clean.
        var before = await admin.ListCyclesAsync(limit: 1);
        var firstCycle = before.Cycles[0].Number;
        var staff = world.Staff.Client;
        progress.WriteLine($"  {world.Providers.Count} providers, {world.Buyers.Count} buyers, {world.Products.Count} products, {world.Contracts.Count} contracts; "
            + $"running {profile.Duration.TotalSeconds:0} s from cycle c{firstCycle}");

        var tally = new SimulationTally();
        using var stop = disruption is null ? new CancellationTokenSource(profile.Duration) : new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var simulation = new SimulationFlows(profile, world, tally, runId);
        var flows = simulation.RunAsync(stop.Token);
        var kills = disruption is null ? Task.FromResult(0) : disruption(CancellationToken.None).ContinueWith(k =>
        {
            stop.Cancel();
            return k;
        }, TaskScheduler.Default).Unwrap();
        var (orders, usage) = (0L, 0L);
        while (!flows.IsCompleted)
        {
            await Task.WhenAny(flows, Task.Delay(TimeSpan.FromSeconds(1)));
            var (placed, accepted) = (Interlocked.Read(ref tally.OrdersPlaced) + Interlocked.Read(ref tally.OrdersRefused), Interlocked.Read(ref tally.UsageRecordsAccepted));
            var (p50, p99, p999) = tally.Percentiles(orders: true);
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {clock.Elapsed.TotalSeconds,5:0.0} s / {profile.Duration.TotalSeconds:0} s  orders {placed - orders,6}/s  usage {accepted - usage,7}/s  "
                + $"cut-offs {tally.CutOffs}  errors {tally.Errors}  order p50 {p50:0.0} ms p99 {p99:0.0} ms p99.9 {p999:0.0} ms"));
            (orders, usage) = (placed, accepted);
        }
        await flows;
        var killed = await kills;
        await simulation.ResendInDoubtAsync();

        var last = await staff.CutOffCycleAsync();
        await SimulationFlows.SettleThroughAsync(staff, last);
        beforeChecks?.Invoke(tally, world);
        var failures = await SimulationChecks.RunAsync(world, tally, totalBefore, exchangeBefore, firstCycle, last.Number);
        var (o50, o99, o999) = tally.Percentiles(orders: true);
        var (u50, u99, _) = tally.Percentiles(orders: false);
        return new SimulationResult(profile.Name, runId, clock.Elapsed.TotalSeconds, tally.OrdersPlaced, tally.OrdersRefused, tally.OrdersCancelled,
            tally.UsageRecordsAccepted, tally.UsageRecordsRejected, tally.Queries, tally.CutOffs + 1, tally.Errors, [.. tally.ErrorSamples], o50, o99, o999, u50, u99,
            failures, killed, tally.Resent);
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

    public static void Report(SimulationResult result, TextWriter output)
    {
        var chaos = result.Kills > 0 ? string.Create(CultureInfo.InvariantCulture, $", {result.Kills} kills, {result.InDoubtResent} in-doubt requests resent") : "";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"simulator {result.Profile} {result.RunId}: {result.Seconds:0.0} s, orders {result.OrdersPlaced:N0} placed / {result.OrdersRefused:N0} refused by rule / "
            + $"{result.OrdersCancelled:N0} cancelled (p50 {result.OrderP50Ms:0.0} ms, p99 {result.OrderP99Ms:0.0} ms, p99.9 {result.OrderP999Ms:0.0} ms), "
            + $"usage {result.UsageRecordsAccepted:N0} accepted / {result.UsageRecordsRejected:N0} rejected (batch p99 {result.UsageBatchP99Ms:0.0} ms), "
            + $"{result.Queries:N0} queries, {result.CutOffs} cycles, {result.Errors} errors{chaos}"));
        foreach (var sample in result.ErrorSamples)
        {
            output.WriteLine($"  error: {sample}");
        }
        foreach (var failure in result.Failures)
        {
            output.WriteLine($"  FAILED {failure}");
        }
        output.WriteLine(result.Ok ? "  every check held" : $"  {result.Failures.Count} checks failed, {result.Errors} errors");
    }

    public static string Json(SimulationResult result) =>
        JsonSerializer.Serialize(result, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true });
}
