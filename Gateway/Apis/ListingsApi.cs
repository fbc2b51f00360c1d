using System.Security.Claims;
using ClearingCluster.Gateway.Auth;
using ClearingCluster.Gateway.OpenApi;
using ClearingCluster.Grains.Listings;
using ClearingCluster.Grains.Participants;
using ClearingCluster.Grains.Products;
using ClearingCluster.Grains.Trading;
using ClearingCluster.Grains.Validation;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Participants;
using ClearingCluster.Interfaces.Trading;
using ClearingCluster.Runtime;
using ClearingCluster.Wire;

namespace ClearingCluster.Gateway.Apis;

/// <summary>
/// Listings with cursor paging (<c>cursor</c> from the previous page's <c>next</c>, <c>limit</c> 1–200, default 50) and
/// filters. Each shows what the single GETs show, to whom they show it.
/// </summary>
public static class ListingsApi
{
    private static readonly IReadOnlySet<string> ParticipantStatuses =
        new HashSet<string>(Enum.GetValues<ParticipantStatus>().Select(ParticipantRules.Wire), StringComparer.Ordinal);
    private static readonly IReadOnlySet<string> ProductStatuses =
        new HashSet<string>(Enum.GetValues<Interfaces.Products.ProductStatus>().Select(ProductRules.Wire), StringComparer.Ordinal);

    public static IEndpointRouteBuilder MapListingsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/participants", ParticipantsAsync).WithTags("Participants").RequireAuthorization(AuthPolicies.Authenticated)
            .Documented("listParticipants", 400)
            .WithSummary("Participants by id, filtered by status, role, tier: admin and regulator see all, a member itself only.");
        app.MapGet("/v1/products", ProductsAsync).WithTags("Products").RequireAuthorization(AuthPolicies.Authenticated)
            .Documented("listProducts", 400).WithSummary("Products by id, filtered by status, provider, category: any authenticated caller.");
        app.MapGet("/v1/orders", OrdersAsync).WithTags("Orders").RequireAuthorization(AuthPolicies.Authenticated)
            .Documented("listOrders", 400, 403, 404)
            .WithSummary("A participant's orders, newest first (participant defaults to the caller), filtered by product, status (open, closed or one status), side and time [from, to): the member, admin, regulator; a gateway sees those it entered.");
        return app;
    }

    private static async Task<ParticipantPageResponse> ParticipantsAsync(
        ClaimsPrincipal user, Listings listings, IGrainFactory grains, string? status, string? role, int? tier, string? cursor, int? limit)
    {
        var filter = new ParticipantFilter(Inputs.OptionalOneOf(status, "status", ParticipantStatuses), Inputs.OptionalOneOf(role, "role", Roles.ParticipantRoles), tier);
        if (tier is { } t)
        {
            TierLimits.For(t);
        }
        if (!user.IsInRole(Roles.Admin) && !user.IsInRole(Roles.Regulator))
        {
            // A member sees itself, as GET /v1/participants/{id} shows it, if it matches.
            PageCursor.Limit(limit);
            var self = await grains.GetGrain<IParticipantGrain>(user.Participant()!).Get();
            var matches = self is not null && cursor is null && (filter.Status is null || ParticipantRules.Wire(self.Status) == filter.Status)
                && (filter.Role is null || self.Roles.Contains(filter.Role)) && (filter.Tier is null || self.Tier == filter.Tier);
            return new ParticipantPageResponse(matches ? [self!.ToWire()] : [], null);
        }
        var page = await listings.ParticipantsAsync(filter, cursor, limit);
        return new ParticipantPageResponse([.. page.Items.Select(p => p.ToWire())], page.Next);
    }

    private static async Task<ProductPageResponse> ProductsAsync(Listings listings, string? status, string? provider, string? category, string? cursor, int? limit)
    {
        var filter = new ProductFilter(Inputs.OptionalOneOf(status, "status", ProductStatuses), Inputs.OptionalId(provider, "provider"), Inputs.OptionalId(category, "category"));
        var page = await listings.ProductsAsync(filter, cursor, limit);
        return new ProductPageResponse([.. page.Items.Select(p => p.ToWire())], page.Next);
    }

    private static async Task<OrderPageResponse> OrdersAsync(ClaimsPrincipal user, Listings listings, IGrainFactory grains, string? participant,
        string? product, string? status, string? side, DateTimeOffset? from, DateTimeOffset? to, string? cursor, int? limit)
    {
        var owner = Inputs.OptionalId(participant, "participant") ?? user.Participant()!;
        var caller = user.Participant()!;
        Func<OrderView, bool> visible = _ => true;
        var mayReadAll = user.MayRead(owner);
        if (!mayReadAll && !user.IsInRole(Roles.Gateway))
        {
            throw DomainException.Forbidden("forbidden", "a member lists only its own orders");
        }
        var profile = await grains.GetGrain<IParticipantGrain>(owner).Get();
        if (!mayReadAll)
        {
            // A gateway lists the orders it entered for a member that authorises it now (as GET /v1/orders/{id} shows
            // them to it); for any other member it learns nothing, not even whether the member exists.
            if (profile is null || !profile.Gateways.Contains(caller))
            {
                throw DomainException.Forbidden("gateway_not_authorised", $"participant {owner} has not authorised gateway {caller} to act for it");
            }
            visible = order => order.EnteredBy == caller;
        }
        _ = profile ?? throw DomainException.NotFound("unknown_participant", $"no participant {owner}");
        if (from is { } f && to is { } t && f >= t)
        {
            throw DomainException.Invalid("invalid_range", "from must be before to");
        }
        var query = new ActivityQuery(owner, Inputs.OptionalId(product, "product"), from, to, null, PageCursor.Limit(limit));
        var page = await listings.OrdersAsync(query, Inputs.OptionalOneOf(status, "status", Listings.OrderStatusFilters), Inputs.OptionalOneOf(side, "side", OrderRules.Sides), cursor, visible);
        return new OrderPageResponse([.. page.Items.Select(o => o.ToWire())], page.Next);
    }
}
