using ClearingCluster.Wire;
using ClearingCluster.Gateway.Auth;
using ClearingCluster.Gateway.OpenApi;
using ClearingCluster.Grains.Validation;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Accounts;
using ClearingCluster.Interfaces.Participants;
using ClearingCluster.Interfaces.Vouchers;
using ClearingCluster.Runtime;

namespace ClearingCluster.Gateway.Apis;

public static class VouchersApi
{
    public static IEndpointRouteBuilder MapVouchersApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/vouchers", IssueAsync).WithTags("Vouchers").RequireAuthorization(AuthPolicies.AdminOnly)
            .Produces<VoucherResponse>(StatusCodes.Status201Created).Documented("issueVoucher", 400, 404, 409, 422)
            .WithSummary("Issue a data voucher to a buyer; the issuer account (default voucher-fund) funds it when issued, moving the amount to its backing (422 insufficient_funds without the money).");
        return app;
    }

    private static async Task<IResult> IssueAsync(IssueVoucherRequest request, IGrainFactory grains)
    {
        var participant = Inputs.Id(request.Participant, "participant");
        var issuer = Inputs.Id(request.Issuer ?? AccountIds.VoucherFund, "issuer");
        if (!AccountIds.System.Contains(issuer) && await grains.GetGrain<IParticipantGrain>(issuer).Get() is null)
        {
            throw DomainException.Rule("unknown_issuer", $"issuer account {issuer} does not exist");
        }
        var voucher = new IssueVoucher(
            Inputs.Id(request.Id, "id"), Inputs.Amount(request.Amount), Inputs.DistinctIds(request.Categories, "categories"),
            request.Expires, issuer, Inputs.Reference(request.Reference));
        var issued = await grains.GetGrain<IVoucherGrain>(voucher.Id).Issue(participant, voucher);
        return Results.Created($"/v1/accounts/{participant}", issued.ToWire());
    }
}
