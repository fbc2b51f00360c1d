using ClearingCluster.Gateway.Auth;
using ClearingCluster.Gateway.OpenApi;
using ClearingCluster.Grains.Trading;

namespace ClearingCluster.Gateway.Apis;

public static class ReconciliationApi
{
    public static IEndpointRouteBuilder MapReconciliationApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/reconciliation", async (TradingReconciliation reconciliation, CancellationToken cancellationToken) => (await reconciliation.RunAsync(cancellationToken)).ToWire())
            .WithTags("Operations").RequireAuthorization(AuthPolicies.Oversight).Documented("reconcileTrading")
            .WithSummary("Trading's money against the books: every account's held equals its open buys, its escrow what its contracts took (admin, regulator).");
        return app;
    }
}
