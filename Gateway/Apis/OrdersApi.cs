using System.Buffers;
using System.Security.Claims;
using System.Text.Json;
using ClearingCluster.Gateway.Json;
using ClearingCluster.Wire;
using ClearingCluster.Gateway.Auth;
using ClearingCluster.Gateway.OpenApi;
using ClearingCluster.Gateway.Errors;
using ClearingCluster.Grains.Trading;
using ClearingCluster.Grains.Validation;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Accounts;
using ClearingCluster.Interfaces.Participants;
using ClearingCluster.Interfaces.Trading;
using ClearingCluster.Runtime;

namespace ClearingCluster.Gateway.Apis;

public static class OrdersApi
{
    public const int ValidityDaysDefault = 30;

    /// <summary>A batch of 1,000 orders is about 250 kB of JSON; more than this is refused before it is read.</summary>
    public const long BatchBodyBytesMax = 2 * 1024 * 1024;

    /// <summary>One order is a few hundred bytes.</summary>
    public const long SingleBodyBytesMax = 64 * 1024;

    public static IEndpointRouteBuilder MapOrdersApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/orders").WithTags("Orders").RequireAuthorization(AuthPolicies.Authenticated);

        group.MapPost("/", PlaceAsync).Accepts<OrderRequest>("application/json").Produces<OrderResponse>(StatusCodes.Status201Created)
            .Documented("placeOrder", 400, 403, 404, 409, 413, 422)
            .WithSummary("Place an order as the participant itself, or as a gateway it authorised; a repeated clientOrderId returns the order as it stands.");
        group.MapPost("/batch", PlaceBatchAsync).Accepts<OrderRequest[]>("application/json", "application/x-ndjson").Produces<BatchOrdersResponse>()
            .Documented("placeOrders", 400, 403, 413)
            .WithSummary("Place up to 1,000 orders (a JSON array, or application/x-ndjson one order per line): one result per order, in order; a bad order refuses only itself.");
        group.MapDelete("/{orderId}", CancelAsync).Documented("cancelOrder", 400, 403, 404, 409)
            .WithSummary("Cancel an open order (its owner, a gateway it authorised, or staff: admin, clearing); a buy's hold is released.");
        group.MapPost("/{orderId}/reduce", ReduceAsync).Documented("reduceOrder", 400, 403, 404, 409).WithSummary("Lower an open order's remaining quantity, keeping its priority (owner or its gateway).");
        group.MapGet("/{orderId}", GetAsync).Documented("getOrder", 400, 404).WithSummary("An order with its fills: owner, the gateway that entered it, admin, regulator.");
        app.MapGet("/v1/products/{id}/book", BookAsync).WithTags("Products").RequireAuthorization(AuthPolicies.Authenticated)
            .Documented("getOrderBook", 400, 404).WithSummary("Aggregated price levels, best first (depth 1–100, default 20).");
        return app;
    }

    private static async Task PlaceAsync(HttpContext context, ClaimsPrincipal user, IGrainFactory grains, TradingOptions trading, StringPool strings)
    {
        OrderRequest request;
        using (var body = await RequestBody.ReadAsync(context, SingleBodyBytesMax, "an order"))
        {
            RequireJson(context);
            request = Strict(() => OrderJson.ReadOne(body.Span, strings));
        }
        var order = ToOrder(request, trading.Engine);
        var caller = user.Participant()!;
        await RequireMayEnterAsync(user, order.Participant, grains);
        var placed = (await grains.GetGrain<IAccountGrain>(order.Participant).PlaceOrders([order], caller))[0].Placed;
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.Headers.Location = $"/v1/orders/{placed.OrderId}";
        context.Response.ContentType = "application/json; charset=utf-8";
        WriteWithLength(context.Response, placed);
    }

    [ThreadStatic]
    private static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Json)? answerScratch;

    /// <summary>
    /// An order's answer with its Content-Length, so Kestrel sends headers and body in one write when the request ends.
    /// Without a length it sends them as chunks, and the end of the response as a second write: a send system call
    /// per order on both sides. Written without an await, so the thread's own buffer serves.
    /// </summary>
    private static void WriteWithLength(HttpResponse response, OrderView placed)
    {
        var (buffer, json) = answerScratch ??= (new ArrayBufferWriter<byte>(2048), new Utf8JsonWriter(Stream.Null));
        buffer.ResetWrittenCount();
        json.Reset(buffer);
        OrderJson.Write(json, placed);
        json.Flush();
        response.ContentLength = buffer.WrittenCount;
        response.BodyWriter.Write(buffer.WrittenSpan);
        if (buffer.Capacity > AnswerBufferKeptMax)
        {
            answerScratch = null; // An order with very many fills: its buffer is not kept for the thread's next answer.
        }
    }

    private const int AnswerBufferKeptMax = 64 * 1024;

    private static async Task PlaceBatchAsync(HttpContext context, ClaimsPrincipal user, IGrainFactory grains, TradingOptions trading, StringPool strings)
    {
        IReadOnlyList<OrderBatch.Entry> parsed;
        using (var body = await RequestBody.ReadAsync(context, BatchBodyBytesMax, "an order batch"))
        {
            parsed = OrderBatch.Parse(body.Span, context.Request.ContentType, trading.BatchOrdersMax, strings);
        }
        var caller = user.Participant()!;
        var results = new (int Status, OrderView? Order, DomainException? Refusal)[parsed.Count];
        var byMember = new Dictionary<string, List<(int Index, PlaceOrder Order)>>(StringComparer.Ordinal);
        for (var i = 0; i < parsed.Count; i++)
        {
            try
            {
                var order = ToOrder(parsed[i].Request ?? throw DomainException.Invalid("bad_order", parsed[i].Error!), trading.Engine);
                if (!byMember.TryGetValue(order.Participant, out var orders))
                {
                    byMember[order.Participant] = orders = [];
                }
                orders.Add((i, order));
            }
            catch (DomainException refused)
            {
                results[i] = (StatusOf(refused), null, refused);
            }
        }

        await Task.WhenAll(byMember.Select(async member =>
        {
            try
            {
                await RequireMayEnterAsync(user, member.Key, grains);
                var placements = await grains.GetGrain<IAccountGrain>(member.Key).PlaceOrders([.. member.Value.Select(o => o.Order)], caller);
                for (var k = 0; k < placements.Count; k++)
                {
                    results[member.Value[k].Index] = placements[k].Order is { } placed
                        ? (StatusCodes.Status201Created, placed, null)
                        : (StatusOf(placements[k].Refusal!.ToException()), null, placements[k].Refusal!.ToException());
                }
            }
            catch (DomainException refused)
            {
                foreach (var (index, _) in member.Value)
                {
                    results[index] = (StatusOf(refused), null, refused);
                }
            }
        }));

        // Written by hand, straight into the response: a thousand orders' answers are the bulk of the work otherwise.
        var placedCount = results.Count(r => r.Order is not null);
        context.Response.ContentType = "application/json; charset=utf-8";
        await using (var json = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            json.WriteStartObject();
            json.WriteNumber("placed", placedCount);
            json.WriteNumber("refused", results.Length - placedCount);
            json.WriteStartArray("results");
            for (var i = 0; i < results.Length; i++)
            {
                var (status, order, refusal) = results[i];
                json.WriteStartObject();
                json.WriteNumber("index", i);
                json.WriteNumber("status", status);
                if (order is not null)
                {
                    json.WritePropertyName("order");
                    OrderJson.Write(json, order);
                }
                else
                {
                    json.WriteStartObject("problem");
                    json.WriteString("type", Problems.TypePrefix + refusal!.Code);
                    json.WriteString("title", ExceptionProblemHandler.StatusOf(refusal.Kind).Title);
                    json.WriteString("detail", refusal.Message);
                    json.WriteEndObject();
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    private static int StatusOf(DomainException refused) => ExceptionProblemHandler.StatusOf(refused.Kind).Status;

    private static void RequireJson(HttpContext context)
    {
        var mediaType = context.Request.ContentType?.Split(';')[0].Trim();
        if (mediaType is not (null or "" or "application/json"))
        {
            throw new BadHttpRequestException($"send application/json, not {mediaType}", StatusCodes.Status415UnsupportedMediaType);
        }
    }

    private static OrderRequest Strict(Func<OrderRequest> read)
    {
        try
        {
            return read();
        }
        catch (OrderFormatException error)
        {
            throw DomainException.Invalid("bad_order", error.Message);
        }
    }

    private static async Task<OrderResponse> CancelAsync(string orderId, ClaimsPrincipal user, IGrainFactory grains)
    {
        RequireMayChange(user);
        return (await grains.GetGrain<IOrderBookGrain>(ProductOf(orderId)).Cancel(orderId, user.Participant()!, IsStaff(user))).ToWire();
    }

    /// <summary>A regulator reads every order (so it is told why, not that an order is unknown) and changes none.</summary>
    private static void RequireMayChange(ClaimsPrincipal user)
    {
        if (user.IsInRole(Roles.Regulator) && !IsStaff(user))
        {
            throw DomainException.Forbidden("forbidden", "a regulator reads orders; it does not change them");
        }
    }

    /// <summary>Exchange staff may cancel any member's order; the journal records it as cancelled by staff.</summary>
    private static bool IsStaff(ClaimsPrincipal user) => user.IsInRole(Roles.Admin) || user.IsInRole(Roles.Clearing);

    private static async Task<OrderResponse> ReduceAsync(string orderId, ReduceRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        RequireMayChange(user);
        return (await grains.GetGrain<IOrderBookGrain>(ProductOf(orderId)).Reduce(orderId, user.Participant()!, request.Remaining, IsStaff(user))).ToWire();
    }

    private static async Task<OrderResponse> GetAsync(string orderId, ClaimsPrincipal user, IGrainFactory grains)
    {
        var order = await grains.GetGrain<IOrderBookGrain>(ProductOf(orderId)).GetOrder(orderId);
        if (order is null || !(user.MayRead(order.Participant) || user.Participant() == order.EnteredBy))
        {
            // The same answer whether it exists or belongs to someone else: order ids reveal nothing.
            throw DomainException.NotFound("unknown_order", $"no order {orderId}");
        }
        return order.ToWire();
    }

    private static async Task<BookResponse> BookAsync(string id, int? depth, IGrainFactory grains)
    {
        Inputs.Id(id, "id");
        return (await grains.GetGrain<IOrderBookGrain>(id).Book(OrderBookDepth.Validate(depth ?? OrderBookDepth.Default))).ToWire();
    }

    private static PlaceOrder ToOrder(OrderRequest request, Grains.Trading.Matching.EngineLimits limits)
    {
        var side = request.Side;
        return OrderRules.Validate(new PlaceOrder(
            request.ClientOrderId!, request.Participant!, request.Product!, side!, request.Type ?? "limit", request.TimeInForce ?? "gtc",
            request.Price, request.Quantity, request.MaxCost, side == "buy" ? request.Scenario : null,
            side == "buy" ? request.ValidityDays ?? ValidityDaysDefault : 0), limits);
    }

    /// <summary>The caller is the member itself, or a gateway the member authorised (checked here and again by the member's account).</summary>
    private static async Task RequireMayEnterAsync(ClaimsPrincipal user, string member, IGrainFactory grains)
    {
        var caller = user.Participant();
        if (caller == member)
        {
            return;
        }
        if (!user.IsInRole(Roles.Gateway))
        {
            throw DomainException.Forbidden("forbidden", "an order is placed by the participant itself, or by a gateway it authorised");
        }
        var profile = await grains.GetGrain<IParticipantGrain>(member).Get();
        if (profile is null || !profile.Gateways.Contains(caller!))
        {
            throw DomainException.Forbidden("gateway_not_authorised", $"participant {member} has not authorised gateway {caller} to act for it");
        }
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
