using ClearingCluster.Wire;

namespace ClearingCluster.Client;

public sealed partial class ClearingClient
{
    /// <summary>Admin, regulator: entries after <paramref name="after"/>, oldest first; <c>next</c> is the following page's <c>after</c>.</summary>
    public Task<LedgerPageResponse> ListLedgerEntriesAsync(long after = 0, int limit = 100, string? kind = null, string? subject = null,
        CancellationToken cancellationToken = default) =>
        GetAsync<LedgerPageResponse>(Query("/v1/ledger/entries", ("after", after), ("limit", limit), ("kind", kind), ("subject", subject)), cancellationToken);

    public Task<LedgerVerifyResponse> VerifyLedgerAsync(CancellationToken cancellationToken = default) =>
        GetAsync<LedgerVerifyResponse>("/v1/ledger/verify", cancellationToken);

    /// <summary>Admin, regulator: every account's held and escrow against the books.</summary>
    public Task<ReconciliationResponse> ReconcileTradingAsync(CancellationToken cancellationToken = default) =>
        GetAsync<ReconciliationResponse>("/v1/reconciliation", cancellationToken);

    /// <summary>Admin: the silos and the partitions each holds (docs/CLUSTER.md).</summary>
    public Task<ClusterResponse> GetClusterAsync(CancellationToken cancellationToken = default) =>
        GetAsync<ClusterResponse>("/v1/cluster", cancellationToken);

    public Task<HealthResponse> GetLivenessAsync(CancellationToken cancellationToken = default) =>
        GetAsync<HealthResponse>("/health/live", cancellationToken);

    /// <summary>A Gateway that is not ready answers 503, which this repeats with backoff before it throws.</summary>
    public Task<HealthResponse> GetReadinessAsync(CancellationToken cancellationToken = default) =>
        GetAsync<HealthResponse>("/health/ready", cancellationToken);

    /// <summary>The Prometheus text.</summary>
    public Task<string> GetMetricsAsync(CancellationToken cancellationToken = default) =>
        GetAsync<string>("/metrics", cancellationToken);
}
