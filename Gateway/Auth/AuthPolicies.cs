using ClearingCluster.Interfaces.Participants;
namespace ClearingCluster.Gateway.Auth;

/// <summary>Named authorization policies; a route requires one (any authenticated key, or specific roles).</summary>
public static class AuthPolicies
{
    public const string Authenticated = "authenticated";
    public const string AdminOnly = "admin";
    public const string ClearingStaff = "clearing";
    public const string Oversight = "oversight";
    public const string ClearingOversight = "clearing-oversight";
    public const string UsageProducers = "usage-producers";

    public static IServiceCollection AddClearingAuth(this IServiceCollection services)
    {
        services.AddSingleton<ApiKeyStore>();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(Authenticated, p => p.RequireAuthenticatedUser())
            .AddPolicy(AdminOnly, p => p.RequireRole(Roles.Admin))
            .AddPolicy(ClearingStaff, p => p.RequireRole(Roles.Clearing))
            .AddPolicy(Oversight, p => p.RequireRole(Roles.Admin, Roles.Regulator))
            .AddPolicy(ClearingOversight, p => p.RequireRole(Roles.Clearing, Roles.Admin, Roles.Regulator))
            .AddPolicy(UsageProducers, p => p.RequireRole(Roles.Gateway, Roles.Buyer))
            // Deny by default: a route that forgets to say who may call it admits nobody without a key.
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return services;
    }
}
