using System.Security.Claims;
using ClearingCluster.Gateway.Apis.Wire;
using ClearingCluster.Gateway.Auth;
using ClearingCluster.Grains.Trading;
using ClearingCluster.Grains.Validation;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Trading;
using ClearingCluster.Runtime;

namespace ClearingCluster.Gateway.Apis;

public static class OrdersApi
{
    public const int ValidityDaysDefault = 30;

    public static IEndpointRouteBuilder MapOrdersApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/orders").WithTags("Orders").RequireAuthorization(AuthPolicies.Authenticated);

        group.MapPost("/", PlaceAsync).WithSummary("Place an order as the participant itself; a repeated clientOrderId returns the first result.");
        group.MapDelete("/{orderId}", CancelAsync).WithSummary("Cancel a resting order (owner); its reserve is released.");
        group.MapPost("/{orderId}/reduce", ReduceAsync).WithSummary("Lower a resting order's remaining quantity, keeping its priority (owner).");
        group.MapGet("/{orderId}", GetAsync).WithSummary("An order with its fills: owner, admin, regulator.");
        app.MapGet("/v1/products/{id}/book", BookAsync).WithTags("Products").RequireAuthorization(AuthPolicies.Authenticated)
            .WithSummary("Aggregated price levels, best first (depth 1–100, default 20).");
        return app;
    }

    private static async Task<IResult> PlaceAsync(OrderRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        var side = request.Side;
        var order = OrderRules.Validate(new PlaceOrder(
            request.ClientOrderId!, request.Participant!, request.Product!, side!, request.Type ?? "limit", request.TimeInForce ?? "gtc",
            request.Price, request.Quantity, request.MaxCost, side == "buy" ? request.Scenario : null,
            side == "buy" ? request.ValidityDays ?? ValidityDaysDefault : 0));
        if (user.Participant() != order.Participant)
        {
            throw DomainException.Forbidden("forbidden", "an order is placed by the participant itself");
        }
        var placed = await grains.GetGrain<IOrderBookGrain>(order.Product).Place(order);
        return Results.Created($"/v1/orders/{placed.OrderId}", OrderResponse.From(placed));
    }

    private static async Task<OrderResponse> CancelAsync(string orderId, ClaimsPrincipal user, IGrainFactory grains) =>
        OrderResponse.From(await grains.GetGrain<IOrderBookGrain>(ProductOf(orderId)).Cancel(orderId, user.Participant()!));

    private static async Task<OrderResponse> ReduceAsync(string orderId, ReduceRequest request, ClaimsPrincipal user, IGrainFactory grains) =>
        OrderResponse.From(await grains.GetGrain<IOrderBookGrain>(ProductOf(orderId)).Reduce(orderId, user.Participant()!, request.Remaining));

    private static async Task<OrderResponse> GetAsync(string orderId, ClaimsPrincipal user, ITradingStore store, CancellationToken cancellationToken)
    {
        ProductOf(orderId);
        var order = await store.FindOrderAsync(orderId, cancellationToken);
        if (order is null || !user.MayRead(order.View.Participant))
        {
            // The same answer whether it exists or belongs to someone else: order ids reveal nothing.
            throw DomainException.NotFound("unknown_order", $"no order {orderId}");
        }
        return OrderResponse.From(order.View with { Fills = await store.FillsOfAsync(orderId, cancellationToken) });
    }

    private static async Task<BookResponse> BookAsync(string id, int? depth, IGrainFactory grains)
    {
        Inputs.Id(id, "id");
        return BookResponse.From(await grains.GetGrain<IOrderBookGrain>(id).Book(depth ?? 20));
    }

    /// <summary>An order id is <c>&lt;product&gt;:&lt;number&gt;</c>: the product names the book that holds it.</summary>
    private static string ProductOf(string orderId)
    {
        var separator = orderId.LastIndexOf(':');
        if (separator < 1 || !long.TryParse(orderId.AsSpan(separator + 1), out _))
        {
            throw DomainException.Invalid("invalid_order_id", "an order id looks like <product>:<number>");
        }
        return Inputs.Id(orderId[..separator], "orderId");
    }
}
