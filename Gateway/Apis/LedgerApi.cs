using ClearingCluster.Wire;
using ClearingCluster.Gateway.Auth;
using ClearingCluster.Gateway.OpenApi;
using ClearingCluster.Grains.Ledger;
using ClearingCluster.Grains.Validation;
using ClearingCluster.Interfaces;

namespace ClearingCluster.Gateway.Apis;

public static class LedgerApi
{
    public const int PageSizeMax = 1000;
    public const int PageSizeDefault = 100;

    public static IEndpointRouteBuilder MapLedgerApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/ledger").WithTags("Evidence ledger").RequireAuthorization(AuthPolicies.Oversight);

        group.MapGet("/entries", EntriesAsync).Documented("listLedgerEntries", 400)
            .WithSummary("Entries after a sequence number, oldest first, optionally of one kind and/or subject (admin, regulator).");
        group.MapGet("/verify", VerifyAsync).Produces<LedgerVerifyResponse>().Documented("verifyLedger").WithSummary("Recompute the hash chain; names the first entry that does not verify.");
        return app;
    }

    private static async Task<LedgerPageResponse> EntriesAsync(ILedgerStore store, long? after, int? limit, string? kind, string? subject,
        CancellationToken cancellationToken)
    {
        var from = after ?? 0;
        var size = limit ?? PageSizeDefault;
        if (from < 0 || size is < 1 or > PageSizeMax)
        {
            throw DomainException.Invalid("invalid_page", $"after must be ≥ 0 and limit 1–{PageSizeMax}");
        }
        if (kind is not null)
        {
            Inputs.Text(kind, "kind", Inputs.ReferenceLengthMax);
        }
        if (subject is not null)
        {
            Inputs.Text(subject, "subject", Inputs.ReferenceLengthMax);
        }
        var entries = await store.ReadAsync(from, size, kind, subject, cancellationToken);
        return new LedgerPageResponse([.. entries.Select(WireMapping.ToWire)], entries.Count == size ? entries[^1].Seq : null);
    }

    private static async Task<IResult> VerifyAsync(LedgerVerifier verifier, CancellationToken cancellationToken)
    {
        var result = await verifier.VerifyAsync(cancellationToken);
        return Results.Ok(new LedgerVerifyResponse(result.Ok, result.Entries, new LedgerHeadResponse(result.Head.Seq, result.Head.Hash), result.FirstBadSeq, result.Problem));
    }
}
