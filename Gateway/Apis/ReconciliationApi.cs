using ClearingCluster.Gateway.Auth;
using ClearingCluster.Grains.Trading;

namespace ClearingCluster.Gateway.Apis;

public static class ReconciliationApi
{
    public static IEndpointRouteBuilder MapReconciliationApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/reconciliation", (TradingReconciliation reconciliation, CancellationToken cancellationToken) => reconciliation.RunAsync(cancellationToken))
            .WithTags("Operations").RequireAuthorization(AuthPolicies.Oversight)
            .WithSummary("Trading's money against the books: every account's held equals its open buys, its escrow what its contracts took (admin, regulator).");
        return app;
    }
}
