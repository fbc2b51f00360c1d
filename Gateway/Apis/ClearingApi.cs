using System.Security.Claims;
using ClearingCluster.Gateway.Auth;
using ClearingCluster.Gateway.OpenApi;
using ClearingCluster.Grains.Clearing;
using ClearingCluster.Grains.Validation;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Clearing;
using ClearingCluster.Runtime;
using ClearingCluster.Wire;

namespace ClearingCluster.Gateway.Apis;

/// <summary>Clearing cycles for staff (clearing role), read by admin and regulators; statements for members.</summary>
public static class ClearingApi
{
    public const int CyclePageMax = 100;
    public const int CyclePageDefault = 20;

    public static IEndpointRouteBuilder MapClearingApi(this IEndpointRouteBuilder app)
    {
        var cycles = app.MapGroup("/v1/clearing/cycles").WithTags("Clearing");
        cycles.MapPost("/cutoff", CutOffAsync).RequireAuthorization(AuthPolicies.ClearingStaff).Produces<CycleResponse>().Documented("cutOffCycle")
            .WithSummary("Close the open cycle in every meter shard at one cut and open the next; usage flows on. Finishes a cut-off a crash interrupted.");
        cycles.MapPost("/{id}/compute", ComputeAsync).RequireAuthorization(AuthPolicies.ClearingStaff).Produces<CycleResponse>()
            .Documented("computeCycle", 400, 404, 409)
            .WithSummary("Compute a cut-off cycle (again, if computed or failed): per contract gross, vouchers, fee, shares, escrow released; nets and the netting ratio. 409 until the cycle before is settled.");
        cycles.MapPost("/{id}/settle", SettleAsync).RequireAuthorization(AuthPolicies.ClearingStaff).Produces<CycleResponse>()
            .Documented("settleCycle", 400, 404, 409)
            .WithSummary("Post a computed cycle's postings to every account in one transaction; repeating it changes nothing. The settlement goes onto the evidence ledger.");
        cycles.MapPost("/{id}/archive", ArchiveAsync).RequireAuthorization(AuthPolicies.ClearingStaff).Produces<CycleResponse>()
            .Documented("archiveCycleUsage", 400, 404, 409)
            .WithSummary("Write a settled cycle's usage records to an archive file on the silo (Clearing:Archive:Directory) and drop them from the database, while usage flows on; disputes no longer find them. Repeating it finishes an interrupted archive.");
        cycles.MapGet("/", ListAsync).RequireAuthorization(AuthPolicies.ClearingOversight).Produces<CyclePageResponse>().Documented("listCycles", 400)
            .WithSummary("Cycles newest first (clearing, admin, regulator).");
        cycles.MapGet("/{id}", GetAsync).RequireAuthorization(AuthPolicies.ClearingOversight).Produces<CycleResponse>()
            .Documented("getCycle", 400, 404)
            .WithSummary("A cycle with its report (clearing, admin, regulator); with Accept: text/csv, the report's totals and nets as CSV (RFC 4180, µ¥) instead.");
        cycles.MapPost("/{id}/adjustments", AdjustAsync).RequireAuthorization(AuthPolicies.ClearingStaff)
            .Produces<AdjustmentResponse>(StatusCodes.Status201Created).Documented("recordAdjustment", 400, 404, 409)
            .WithSummary("Record a correction against a settled cycle; it is posted in the cycle open now, and goes onto the ledger. Idempotent by id.");
        cycles.MapGet("/{id}/adjustments", AdjustmentsAsync).RequireAuthorization(AuthPolicies.ClearingOversight).Produces<AdjustmentListResponse>()
            .Documented("listAdjustments", 400, 404).WithSummary("Adjustments recorded against or posted in a cycle (clearing, admin, regulator).");

        app.MapGet("/v1/accounts/{id}/statements/{cycleId}", StatementAsync).WithTags("Clearing").RequireAuthorization(AuthPolicies.Authenticated)
            .Produces<StatementResponse>().Documented("getStatement", 400, 403, 404, 409)
            .WithSummary("An account's statement for a settled cycle (the member itself, admin, regulator); with Accept: text/csv, the same as CSV (RFC 4180, µ¥) instead. Lines are paged by contract id; 409 before the cycle is settled.");
        return app;
    }

    private static IClearingGrain Clearing(IGrainFactory grains) => grains.GetGrain<IClearingGrain>(IClearingGrain.Key);

    private static async Task<CycleResponse> CutOffAsync(ClaimsPrincipal user, IGrainFactory grains) =>
        (await Clearing(grains).CutOff(Caller(user))).ToWire();

    private static async Task<CycleResponse> ComputeAsync(string id, IGrainFactory grains) => (await Clearing(grains).Compute(CycleIdOf(id))).ToWire();

    private static async Task<CycleResponse> ArchiveAsync(string id, IGrainFactory grains) => (await Clearing(grains).ArchiveUsage(CycleIdOf(id))).ToWire();

    private static async Task<CycleResponse> SettleAsync(string id, IGrainFactory grains) => (await Clearing(grains).Settle(CycleIdOf(id))).ToWire();

    private static async Task<CyclePageResponse> ListAsync(IClearingStore store, long? before, int? limit, CancellationToken cancellationToken)
    {
        var size = limit ?? CyclePageDefault;
        if (size is < 1 or > CyclePageMax || before is < 1)
        {
            throw DomainException.Invalid("invalid_page", $"limit must be 1–{CyclePageMax} and before ≥ 1");
        }
        var page = await store.ListAsync(before, size, cancellationToken);
        return new CyclePageResponse([.. page.Select(c => c.ToWire())], page.Count == size ? page[^1].Number : null);
    }

    private static async Task<IResult> GetAsync(string id, HttpRequest request, IClearingStore store, CancellationToken cancellationToken)
    {
        var cycle = await FindAsync(store, id, cancellationToken);
        return ClearingCsv.Wanted(request) ? Results.Text(ClearingCsv.Report(cycle), ClearingCsv.MediaType) : Results.Ok(cycle.ToWire());
    }

    private static async Task<IResult> AdjustAsync(string id, AdjustmentRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        var adjustment = new RecordAdjustment(Inputs.Id(request.Id, "id"), Inputs.Id(request.From, "from"), Inputs.Id(request.To, "to"),
            Inputs.Amount(request.Amount), Inputs.Text(request.Reason, "reason", Inputs.ReferenceLengthMax),
            request.Contract is null ? null : Inputs.Text(request.Contract, "contract", Inputs.ReferenceLengthMax));
        var recorded = await Clearing(grains).Adjust(CycleIdOf(id), adjustment, Caller(user));
        return Results.Created($"/v1/clearing/cycles/{recorded.AgainstCycle}/adjustments", recorded.ToWire());
    }

    private static async Task<AdjustmentListResponse> AdjustmentsAsync(string id, IClearingStore store, CancellationToken cancellationToken)
    {
        var cycle = await FindAsync(store, id, cancellationToken);
        return new AdjustmentListResponse([.. (await store.AdjustmentsAsync(cycle.Id, cancellationToken)).Select(a => a.ToWire())]);
    }

    private static async Task<IResult> StatementAsync(string id, string cycleId, string? after, int? limit, ClaimsPrincipal user, HttpRequest request,
        IClearingStore store, IGrainFactory grains, CancellationToken cancellationToken)
    {
        Inputs.Id(id, "id");
        Require.MayRead(user, id);
        var size = limit ?? CycleOptions.StatementLinesDefault;
        if (size is < 1 or > CycleOptions.StatementLinesMax)
        {
            throw DomainException.Invalid("invalid_page", $"limit must be 1–{CycleOptions.StatementLinesMax}");
        }
        if (after is not null)
        {
            Inputs.Text(after, "after", Inputs.ReferenceLengthMax);
        }
        if (!Interfaces.Accounts.AccountIds.System.Contains(id) && await grains.GetGrain<Interfaces.Participants.IParticipantGrain>(id).Get() is null)
        {
            throw DomainException.NotFound("unknown_account", $"no account {id}");
        }
        var cycle = await FindAsync(store, cycleId, cancellationToken);
        var statement = await store.StatementAsync(id, cycle.Id, after, size, cancellationToken)
            ?? throw DomainException.Conflict("cycle_not_settled", $"cycle {cycle.Id} is {CycleStatuses.Wire(cycle.Status)}; statements exist once it is settled");
        return ClearingCsv.Wanted(request) ? Results.Text(ClearingCsv.Statement(statement), ClearingCsv.MediaType) : Results.Ok(statement.ToWire());
    }

    private static string CycleIdOf(string id) => Inputs.Id(id, "id");

    /// <summary>Who asked, as recorded with the step: the key's participant (the bootstrap admin key has none).</summary>
    private static string Caller(ClaimsPrincipal user) => user.Participant() ?? "admin";

    private static async Task<CycleView> FindAsync(IClearingStore store, string id, CancellationToken cancellationToken) =>
        await store.FindAsync(CycleIdOf(id), cancellationToken) ?? throw DomainException.NotFound("unknown_cycle", $"no clearing cycle {id}");
}
