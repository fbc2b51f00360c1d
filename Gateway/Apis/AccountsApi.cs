using System.Security.Claims;
using ClearingCluster.Wire;
using ClearingCluster.Gateway.Auth;
using ClearingCluster.Gateway.OpenApi;
using ClearingCluster.Grains.Validation;
using ClearingCluster.Interfaces.Accounts;
using ClearingCluster.Runtime;

namespace ClearingCluster.Gateway.Apis;

public static class AccountsApi
{
    public static IEndpointRouteBuilder MapAccountsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/accounts").WithTags("Accounts");

        group.MapPost("/{id}/deposits", (string id, MoveRequest request, IGrainFactory grains) =>
                MoveAsync(id, request, (account, amount, reference) => account.Deposit(amount, reference), grains))
            .RequireAuthorization(AuthPolicies.AdminOnly).Documented("depositFunds", 400, 404, 409, 422)
            .WithSummary("Deposit µ¥; a repeated reference returns the first result and moves nothing.");
        group.MapPost("/{id}/withdrawals", (string id, MoveRequest request, IGrainFactory grains) =>
                MoveAsync(id, request, (account, amount, reference) => account.Withdraw(amount, reference), grains))
            .RequireAuthorization(AuthPolicies.AdminOnly).Documented("withdrawFunds", 400, 404, 409, 422)
            .WithSummary("Withdraw µ¥, never below zero available; idempotent by reference.");
        group.MapGet("/{id}", GetAsync).RequireAuthorization(AuthPolicies.Authenticated).Documented("getAccount", 400, 403, 404)
            .WithSummary("Balances and vouchers: the member itself, admin, regulator.");
        return app;
    }

    private static async Task<AccountResponse> MoveAsync(string id, MoveRequest request, Func<IAccountGrain, long, string, Task<AccountBalance>> move, IGrainFactory grains)
    {
        Inputs.Id(id, "id");
        Inputs.Amount(request.Amount);
        var reference = Inputs.Reference(request.Reference);
        return (await move(grains.GetGrain<IAccountGrain>(id), request.Amount, reference)).ToWire();
    }

    private static async Task<AccountResponse> GetAsync(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        Inputs.Id(id, "id");
        Require.MayRead(user, id);
        return (await grains.GetGrain<IAccountGrain>(id).GetBalance()).ToWire();
    }
}
