namespace ClearingCluster.Load.Simulator;

/// <summary>
/// A simulated day's shape: who trades, for how long, how usage flows, how often cycles are cut. Only <c>smoke</c> is
/// built so far (the peak-day issue adds peak, soak, chaos and fuzz).
/// </summary>
public sealed record SimulationProfile(
    string Name, int Providers, int Buyers, int ProductsPerProvider, TimeSpan Duration, TimeSpan CutOffEvery, int UsageProducers, int UsageBatchRecords,
    long BuyerDepositMicros, long ContractQuota)
{
    public static SimulationProfile Smoke(TimeSpan? duration = null) =>
        new("smoke", Providers: 2, Buyers: 6, ProductsPerProvider: 1, duration ?? TimeSpan.FromSeconds(10), CutOffEvery: TimeSpan.FromSeconds(3),
            UsageProducers: 2, UsageBatchRecords: 50, BuyerDepositMicros: 50_000_000_000, ContractQuota: 1_000_000);

    public static SimulationProfile Named(string name, TimeSpan? duration) => name switch
    {
        "smoke" => Smoke(duration),
        _ => throw new ArgumentException($"profile {name} is not built yet; smoke is"),
    };
}
