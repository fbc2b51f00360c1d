using System.Security.Claims;
using ClearingCluster.Gateway.Auth;
using ClearingCluster.Gateway.OpenApi;
using ClearingCluster.Wire;

namespace ClearingCluster.Gateway.Apis;

public static class IdentityApi
{
    /// <summary><c>GET /v1/whoami</c>: which participant and roles the presented key carries.</summary>
    public static IEndpointRouteBuilder MapIdentityApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/whoami", (ClaimsPrincipal user) =>
                new WhoAmIResponse(user.Participant()!, [.. user.FindAll(ClaimTypes.Role).Select(c => c.Value).Order(StringComparer.Ordinal)]))
            .RequireAuthorization(AuthPolicies.Authenticated).Documented("whoAmI")
            .WithTags("Identity")
            .WithSummary("The participant and roles of the calling API key.");
        return app;
    }
}
