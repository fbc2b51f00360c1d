using ClearingCluster.Client;

namespace ClearingCluster.Load.Simulator;

/// <summary>
/// A simulated day's shape: who trades, for how long, how usage flows, how often cycles are cut, and whether load is
/// closed loop (as fast as answers come) or open loop at target rates (<see cref="SendSchedule"/>).
/// </summary>
public sealed record SimulationProfile(
    string Name, int Providers, int Buyers, int ProductsPerProvider, TimeSpan Duration, TimeSpan CutOffEvery, int UsageProducers, int UsageBatchRecords,
    long BuyerDepositMicros, long ContractQuota)
{
    public const int UsageBatchRecordsMax = 10_000;

    public UsageEncoding UsageFormat { get; init; } = UsageEncoding.Json;

    /// <summary>Contracts each buyer holds on each product, each of <see cref="ContractQuota"/> units: more quota than one order may buy.</summary>
    public int ContractsPerPair { get; init; } = 1;

    /// <summary>Orders per second across every trader, open loop; null sends each order when the trader's last one is answered.</summary>
    public double? OrdersPerSecond { get; init; }

    /// <summary>Usage records per second across every producer, open loop; null is closed loop.</summary>
    public double? UsageRecordsPerSecond { get; init; }

    /// <summary>
    /// Flows run this long before the measured <see cref="Duration"/> starts: the Gateway's JIT compiles and tiers its hot
    /// paths in the first seconds, and a backlog built then would colour the whole run's percentiles. The timeline shows
    /// it; the summary's rates and percentiles leave it out. The checks cover all of it.
    /// </summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.Zero;

    /// <summary>Balance and statement reads per second, across every member.</summary>
    public double QueriesPerSecond { get; init; } = 200;

    /// <summary>Orders in one <c>POST /v1/orders/batch</c> when a buyer sends a batch (one order decision in ten).</summary>
    public int OrderBatch { get; init; } = 8;

    public static readonly IReadOnlyList<string> Names = ["smoke", "peak", "soak", "chaos", "fuzz"];

    /// <summary>Small and quick: every flow at once, closed loop, JSON usage; what <c>./cluster test</c> runs.</summary>
    public static SimulationProfile Smoke(TimeSpan? duration = null) =>
        new("smoke", Providers: 2, Buyers: 6, ProductsPerProvider: 1, duration ?? TimeSpan.FromSeconds(10), CutOffEvery: TimeSpan.FromSeconds(3),
            UsageProducers: 2, UsageBatchRecords: 50, BuyerDepositMicros: 50_000_000_000, ContractQuota: 1_000_000);

    /// <summary>
    /// A launch-day peak: 4 providers with 2 products each, 16 buyers holding 4 contracts on each (512 metered contracts
    /// of a million units; half a billion units of quota), 8 data gateways sending binary batches of 1,000 records, a
    /// cut-off every 20 s; 15 s of warm-up, then 60 s measured; closed loop unless rates are given.
    /// </summary>
    public static SimulationProfile Peak(TimeSpan? duration = null) =>
        new("peak", Providers: 4, Buyers: 16, ProductsPerProvider: 2, duration ?? TimeSpan.FromSeconds(60), CutOffEvery: TimeSpan.FromSeconds(20),
            UsageProducers: 8, UsageBatchRecords: 1_000, BuyerDepositMicros: 500_000_000_000, ContractQuota: 1_000_000)
        { UsageFormat = UsageEncoding.Binary, ContractsPerPair = 4, Warmup = TimeSpan.FromSeconds(15) };

    /// <summary>
    /// Long and steady: the smoke world open loop at 100 orders/s and 1,000 usage records/s for 10 minutes (the hot
    /// contracts stay within their quota of a million units, tier 3's largest order), a cut-off each minute; the
    /// Gateway's memory is charted (when the simulator started it), so a leak shows as a slope.
    /// </summary>
    public static SimulationProfile Soak(TimeSpan? duration = null) =>
        Smoke(duration ?? TimeSpan.FromMinutes(10)) with
        {
            Name = "soak", CutOffEvery = TimeSpan.FromMinutes(1), UsageBatchRecords = 100, OrdersPerSecond = 100, UsageRecordsPerSecond = 1_000,
        };

    /// <summary>The smoke world under kills: its flows run until the kills are done, not for a duration.</summary>
    public static SimulationProfile Chaos() => Smoke() with { Name = "chaos" };

    public static SimulationProfile Named(string name, TimeSpan? duration) => name switch
    {
        "smoke" => Smoke(duration),
        "peak" => Peak(duration),
        "soak" => Soak(duration),
        "chaos" => Chaos(),
        _ => throw new ArgumentException($"there is no simulation profile {name}; there are {string.Join(", ", Names)}"),
    };
}
