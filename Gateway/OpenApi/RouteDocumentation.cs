using ClearingCluster.Gateway.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace ClearingCluster.Gateway.OpenApi;

/// <summary>
/// What a route tells its clients beyond its handler's types: an operation id, and every refusal it can answer as
/// problem+json. The refusals all routes share are added from the route's own metadata, so none is forgotten:
/// 401 wherever a key is needed, 403 where a policy admits only some roles, 400, 413 and 415 wherever a body is read,
/// 503 and 504 on every <c>/v1</c> route
/// (the database or commit log away, a grain call timed out).
/// </summary>
public static class RouteDocumentation
{
    public const string ProblemJson = "application/problem+json";

    public static RouteHandlerBuilder Documented(this RouteHandlerBuilder route, string operationId, params int[] refusals)
    {
        route.WithName(operationId);
        foreach (var status in refusals)
        {
            route.ProducesProblem(status);
        }
        route.Finally(endpoint =>
        {
            var anonymous = endpoint.Metadata.OfType<IAllowAnonymous>().Any();
            var policy = endpoint.Metadata.OfType<IAuthorizeData>().Select(a => a.Policy).LastOrDefault(p => p is not null);
            var shared = new List<int>();
            if (!anonymous)
            {
                shared.Add(StatusCodes.Status401Unauthorized);
                if (policy is not null and not AuthPolicies.Authenticated)
                {
                    shared.Add(StatusCodes.Status403Forbidden);
                }
            }
            if (endpoint.Metadata.OfType<IAcceptsMetadata>().Any())
            {
                // Any body may be malformed or over the limit.
                shared.Add(StatusCodes.Status400BadRequest);
                shared.Add(StatusCodes.Status413PayloadTooLarge);
                shared.Add(StatusCodes.Status415UnsupportedMediaType);
            }
            if (endpoint is RouteEndpointBuilder { RoutePattern.RawText: { } pattern } && pattern.StartsWith("/v1/", StringComparison.Ordinal))
            {
                shared.Add(StatusCodes.Status503ServiceUnavailable);
                shared.Add(StatusCodes.Status504GatewayTimeout);
            }
            var documented = endpoint.Metadata.OfType<IProducesResponseTypeMetadata>().Select(m => m.StatusCode).ToHashSet();
            foreach (var status in shared.Where(documented.Add))
            {
                endpoint.Metadata.Add(new ProducesResponseTypeMetadata(status, typeof(ProblemDetails), [ProblemJson]));
            }
        });
        return route;
    }
}
