using ClearingCluster.Wire;

namespace ClearingCluster.Client;

public sealed partial class ClearingClient
{
    private const string Csv = "text/csv";

    /// <summary>Clearing staff. Never repeated: a repeat after the cut took effect would close the next cycle too. List the cycles to learn the outcome.</summary>
    public Task<CycleResponse> CutOffCycleAsync(CancellationToken cancellationToken = default) =>
        PostAsync<CycleResponse>("/v1/clearing/cycles/cutoff", null, Repeat.Never, cancellationToken);

    /// <summary>Clearing staff. Repeated safely: computing a computed cycle again restages the same result.</summary>
    public Task<CycleResponse> ComputeCycleAsync(string cycleId, CancellationToken cancellationToken = default) =>
        PostAsync<CycleResponse>($"/v1/clearing/cycles/{Segment(cycleId)}/compute", null, Repeat.Safe, cancellationToken);

    /// <summary>
    /// Clearing staff. Repeated safely: settling a settled cycle returns it and posts nothing. A <c>settlement_failed</c>
    /// (503, nothing posted) is repeated with the other in-doubt answers before it is thrown.
    /// </summary>
    public Task<CycleResponse> SettleCycleAsync(string cycleId, CancellationToken cancellationToken = default) =>
        PostAsync<CycleResponse>($"/v1/clearing/cycles/{Segment(cycleId)}/settle", null, Repeat.Safe, cancellationToken);

    /// <summary>
    /// Clearing staff. Repeated safely: archiving an archived cycle returns it, and a repeat finishes an archive that
    /// was interrupted. Only a settled cycle (409 <c>cycle_not_settled</c>).
    /// </summary>
    public Task<CycleResponse> ArchiveCycleUsageAsync(string cycleId, CancellationToken cancellationToken = default) =>
        PostAsync<CycleResponse>($"/v1/clearing/cycles/{Segment(cycleId)}/archive", null, Repeat.Safe, cancellationToken);

    /// <summary>Newest first; pass the page's <c>NextBefore</c> as <paramref name="before"/> for older ones.</summary>
    public Task<CyclePageResponse> ListCyclesAsync(long? before = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<CyclePageResponse>(Query("/v1/clearing/cycles", ("before", before), ("limit", limit)), cancellationToken);

    public Task<CycleResponse> GetCycleAsync(string cycleId, CancellationToken cancellationToken = default) =>
        GetAsync<CycleResponse>($"/v1/clearing/cycles/{Segment(cycleId)}", cancellationToken);

    /// <summary>The report's totals and its nets as CSV (amounts in µ¥).</summary>
    public Task<string> GetCycleCsvAsync(string cycleId, CancellationToken cancellationToken = default) =>
        GetTextAsync($"/v1/clearing/cycles/{Segment(cycleId)}", Csv, cancellationToken);

    /// <summary>Clearing staff. Repeated safely: the same id with the same terms returns the adjustment recorded first.</summary>
    public Task<AdjustmentResponse> RecordAdjustmentAsync(string cycleId, AdjustmentRequest adjustment, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(adjustment.Id, "adjustment.Id");
        return PostAsync<AdjustmentResponse>($"/v1/clearing/cycles/{Segment(cycleId)}/adjustments", adjustment, Repeat.Safe, cancellationToken);
    }

    public Task<AdjustmentListResponse> ListAdjustmentsAsync(string cycleId, CancellationToken cancellationToken = default) =>
        GetAsync<AdjustmentListResponse>($"/v1/clearing/cycles/{Segment(cycleId)}/adjustments", cancellationToken);

    /// <summary>The account itself, admin, regulator; a settled cycle. Lines are paged by contract id: pass <c>NextAfter</c> as <paramref name="after"/>.</summary>
    public Task<StatementResponse> GetStatementAsync(string account, string cycleId, string? after = null, int? limit = null,
        CancellationToken cancellationToken = default) =>
        GetAsync<StatementResponse>(StatementPath(account, cycleId, after, limit), cancellationToken);

    /// <summary>The statement as CSV, one row per balance, posting, contract line and adjustment (amounts in µ¥); lines paged as in <see cref="GetStatementAsync"/>.</summary>
    public Task<string> GetStatementCsvAsync(string account, string cycleId, string? after = null, int? limit = null,
        CancellationToken cancellationToken = default) =>
        GetTextAsync(StatementPath(account, cycleId, after, limit), Csv, cancellationToken);

    private static string StatementPath(string account, string cycleId, string? after, int? limit) =>
        Query($"/v1/accounts/{Segment(account)}/statements/{Segment(cycleId)}", ("after", after), ("limit", limit));
}
