using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace ClearingCluster.EndToEnd.Tests;

/// <summary>
/// Order entry the way an exchange gateway does it: batches of orders, each answered on its own, and orders placed
/// for members who authorised the gateway, refused for everyone else.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class OrderEntryTests(GatewayFixture fixture)
{
    private readonly Exchange exchange = new(fixture.Gateway, GatewayFixture.AdminKey);

    private sealed record Desk(string Product, string Provider, HttpClient ProviderClient, string Member, HttpClient MemberClient,
        string Gateway, HttpClient GatewayClient);

    private async Task<Desk> DeskAsync()
    {
        var (provider, providerClient) = await exchange.MemberAsync("prov", "provider");
        var (member, memberClient) = await exchange.MemberAsync("member", "buyer");
        var (gateway, gatewayClient) = await exchange.MemberAsync("gw", "gateway");
        await exchange.DepositAsync(member, 1_000_000_000, "funding");
        var product = await exchange.ListedProductAsync(provider, providerClient);
        return new Desk(product, provider, providerClient, member, memberClient, gateway, gatewayClient);
    }

    private static object Buy(string member, string product, string clientOrderId, long price = 100, long quantity = 10) => new
    {
        clientOrderId, participant = member, product, side = "buy", price, quantity, scenario = "credit-risk", validityDays = 30,
    };

    private static Task<HttpResponseMessage> AuthoriseAsync(HttpClient by, string member, string gateway) =>
        by.PostAsJsonAsync($"/v1/participants/{member}/gateways", new { gateway });

    [Fact]
    public async Task A_gateway_acts_only_for_members_who_authorised_it_and_only_until_they_revoke()
    {
        var d = await DeskAsync();
        var (other, otherClient) = await exchange.MemberAsync("other", "buyer");
        await exchange.DepositAsync(other, 1_000_000, "funding");
        var (_, secondGatewayClient) = await exchange.MemberAsync("gw2", "gateway");

        // Before any authority: the gateway is refused, and so is a member acting for another member.
        await ProblemAssert.IsProblem(await d.GatewayClient.PostAsJsonAsync("/v1/orders", Buy(d.Member, d.Product, "g-0")), HttpStatusCode.Forbidden,
            "gateway_not_authorised");
        await ProblemAssert.IsProblem(await otherClient.PostAsJsonAsync("/v1/orders", Buy(d.Member, d.Product, "o-0")), HttpStatusCode.Forbidden, "forbidden");

        // Only the member itself or admin sets a member's gateways, and only a gateway can be one.
        await ProblemAssert.IsProblem(await AuthoriseAsync(otherClient, d.Member, d.Gateway), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsProblem(await AuthoriseAsync(d.GatewayClient, d.Member, d.Gateway), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsProblem(await AuthoriseAsync(d.MemberClient, d.Member, other), HttpStatusCode.UnprocessableEntity, "not_a_gateway");
        var authorised = await Exchange.Ok(await AuthoriseAsync(d.MemberClient, d.Member, d.Gateway), HttpStatusCode.Created);
        Assert.Contains(d.Gateway, authorised.GetProperty("gateways").EnumerateArray().Select(g => g.GetString()));
        await Exchange.Ok(await AuthoriseAsync(exchange.Admin, other, d.Gateway), HttpStatusCode.Created);

        // Authorised: the gateway places, reads and cancels the member's orders, which name both.
        var placed = await Exchange.Ok(await d.GatewayClient.PostAsJsonAsync("/v1/orders", Buy(d.Member, d.Product, "g-1")), HttpStatusCode.Created);
        var orderId = placed.GetProperty("orderId").GetString()!;
        Assert.Equal(d.Member, placed.GetProperty("participant").GetString());
        Assert.Equal(d.Gateway, placed.GetProperty("enteredBy").GetString());
        Assert.Equal(orderId, (await Exchange.Ok(await d.MemberClient.GetAsync($"/v1/orders/{orderId}"))).GetProperty("orderId").GetString());
        await Exchange.Ok(await d.GatewayClient.GetAsync($"/v1/orders/{orderId}"));
        await ProblemAssert.IsProblem(await secondGatewayClient.GetAsync($"/v1/orders/{orderId}"), HttpStatusCode.NotFound, "unknown_order");
        await ProblemAssert.IsProblem(await secondGatewayClient.DeleteAsync($"/v1/orders/{orderId}"), HttpStatusCode.NotFound, "unknown_order");
        Assert.Equal("cancelled", (await Exchange.Ok(await d.GatewayClient.DeleteAsync($"/v1/orders/{orderId}"))).GetProperty("status").GetString());

        // Another member's authority does not extend to this one's orders.
        var own = await Exchange.Ok(await otherClient.PostAsJsonAsync("/v1/orders", Buy(other, d.Product, "o-1", price: 90)), HttpStatusCode.Created);
        await ProblemAssert.IsProblem(await d.MemberClient.DeleteAsync($"/v1/orders/{own.GetProperty("orderId").GetString()}"), HttpStatusCode.NotFound,
            "unknown_order");

        // Revoked: refused at once, for new orders and for orders it placed before; the member's own orders stand.
        var resting = await Exchange.Ok(await d.GatewayClient.PostAsJsonAsync("/v1/orders", Buy(d.Member, d.Product, "g-2")), HttpStatusCode.Created);
        await ProblemAssert.IsProblem(await otherClient.DeleteAsync($"/v1/participants/{d.Member}/gateways/{d.Gateway}"), HttpStatusCode.Forbidden,
            "forbidden");
        var revoked = await Exchange.Ok(await d.MemberClient.DeleteAsync($"/v1/participants/{d.Member}/gateways/{d.Gateway}"));
        Assert.DoesNotContain(d.Gateway, revoked.GetProperty("gateways").EnumerateArray().Select(g => g.GetString()));
        await ProblemAssert.IsProblem(await d.GatewayClient.PostAsJsonAsync("/v1/orders", Buy(d.Member, d.Product, "g-3")), HttpStatusCode.Forbidden,
            "gateway_not_authorised");
        var restingId = resting.GetProperty("orderId").GetString()!;
        await ProblemAssert.IsProblem(await d.GatewayClient.DeleteAsync($"/v1/orders/{restingId}"), HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal("resting", (await Exchange.Ok(await d.MemberClient.GetAsync($"/v1/orders/{restingId}"))).GetProperty("status").GetString());
        await Exchange.Ok(await d.GatewayClient.PostAsJsonAsync("/v1/orders", Buy(other, d.Product, "g-4", price: 90)), HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_batch_answers_each_order_in_place_a_bad_order_refuses_only_itself_and_a_repeat_changes_nothing()
    {
        var d = await DeskAsync();
        var (stranger, _) = await exchange.MemberAsync("stranger", "buyer");
        await exchange.DepositAsync(stranger, 1_000_000, "funding");
        await Exchange.Ok(await AuthoriseAsync(d.MemberClient, d.Member, d.Gateway), HttpStatusCode.Created);
        var batch = new object[]
        {
            Buy(d.Member, d.Product, "b-1", price: 100, quantity: 10),
            new { clientOrderId = "b-2", participant = d.Member, product = d.Product, side = "buy", price = 100 },
            Buy(stranger, d.Product, "b-3"),
            Buy(d.Member, d.Product, "b-4", price: 0),
            Buy(d.Member, d.Product, "b-1", price: 100, quantity: 10),
            Buy(d.Member, d.Product, "b-5", price: 101, quantity: 7),
        };

        var first = await Exchange.Ok(await d.GatewayClient.PostAsJsonAsync("/v1/orders/batch", batch));
        var results = first.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(0, batch.Length), results.Select(r => r.GetProperty("index").GetInt32()));
        Assert.Equal([201, 400, 403, 400, 201, 201], results.Select(r => r.GetProperty("status").GetInt32()));
        Assert.Equal(3, first.GetProperty("placed").GetInt32());
        Assert.Equal(3, first.GetProperty("refused").GetInt32());
        Assert.EndsWith(":gateway_not_authorised", results[2].GetProperty("problem").GetProperty("type").GetString());
        Assert.Equal(results[0].GetProperty("order").GetProperty("orderId").GetString(), results[4].GetProperty("order").GetProperty("orderId").GetString());
        var held = (await exchange.AccountAsync(d.Member)).GetProperty("held").GetInt64();
        Assert.Equal(10 * 100 + 7 * 101, held);
        Assert.Equal(0, (await exchange.AccountAsync(stranger)).GetProperty("held").GetInt64());

        // Sent again, as a gateway does when it never saw the answer: the same orders come back, nothing more is held.
        var again = await Exchange.Ok(await d.GatewayClient.PostAsJsonAsync("/v1/orders/batch", batch));
        var repeated = again.GetProperty("results").EnumerateArray().ToList();
        foreach (var i in new[] { 0, 4, 5 })
        {
            Assert.Equal(results[i].GetProperty("order").GetProperty("orderId").GetString(), repeated[i].GetProperty("order").GetProperty("orderId").GetString());
        }
        Assert.Equal(held, (await exchange.AccountAsync(d.Member)).GetProperty("held").GetInt64());

        // A sell in a batch trades against the bids in price-time order.
        var sells = await Exchange.Ok(await d.ProviderClient.PostAsJsonAsync("/v1/orders/batch", new[]
        {
            new { clientOrderId = "s-1", participant = d.Provider, product = d.Product, side = "sell", price = 100L, quantity = 12L },
        }));
        var sell = sells.GetProperty("results")[0].GetProperty("order");
        Assert.Equal(12, sell.GetProperty("filled").GetInt64());
        Assert.Equal(2, sell.GetProperty("contracts").GetArrayLength());
    }

    [Fact]
    public async Task An_NDJSON_batch_refuses_a_malformed_line_by_itself_and_places_the_rest()
    {
        var d = await DeskAsync();
        var lines = new StringBuilder()
            .AppendLine(JsonSerializer.Serialize(Buy(d.Member, d.Product, "n-1")))
            .AppendLine("{\"clientOrderId\": \"n-2\", \"participant\": ")
            .AppendLine()
            .AppendLine("[1, 2, 3]")
            .AppendLine(JsonSerializer.Serialize(new { clientOrderId = "n-4", participant = d.Member, product = d.Product, side = "buy", price = "100", quantity = 5 }))
            .Append(JsonSerializer.Serialize(Buy(d.Member, d.Product, "n-5")));
        using var content = new StringContent(lines.ToString(), Encoding.UTF8, "application/x-ndjson");

        var answer = await Exchange.Ok(await d.MemberClient.PostAsync("/v1/orders/batch", content));

        var results = answer.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([201, 400, 400, 400, 201], results.Select(r => r.GetProperty("status").GetInt32()));
        Assert.All(results.Where(r => r.GetProperty("status").GetInt32() == 400),
            r => Assert.EndsWith(":bad_order", r.GetProperty("problem").GetProperty("type").GetString()));
        Assert.Equal(2 * 10 * 100, (await exchange.AccountAsync(d.Member)).GetProperty("held").GetInt64());
    }

    [Fact]
    public async Task Oversized_batches_and_bodies_are_refused_whole_with_413_and_hold_nothing()
    {
        var d = await DeskAsync();
        var tooMany = Enumerable.Range(0, 1_001).Select(i => Buy(d.Member, d.Product, $"m-{i}")).ToArray();
        await ProblemAssert.IsProblem(await d.MemberClient.PostAsJsonAsync("/v1/orders/batch", tooMany), HttpStatusCode.RequestEntityTooLarge,
            "batch_too_large");

        var padded = "[" + new string(' ', 3 * 1024 * 1024) + JsonSerializer.Serialize(Buy(d.Member, d.Product, "p-1")) + "]";
        using var big = new StringContent(padded, Encoding.UTF8, "application/json");
        await ProblemAssert.IsProblem(await Exchange.PostOversizedAsync(d.MemberClient, "/v1/orders/batch", big), HttpStatusCode.RequestEntityTooLarge, "body_too_large");

        using var broken = new StringContent("[" + JsonSerializer.Serialize(Buy(d.Member, d.Product, "q-1")) + ",", Encoding.UTF8, "application/json");
        await ProblemAssert.IsProblem(await d.MemberClient.PostAsync("/v1/orders/batch", broken), HttpStatusCode.BadRequest, "bad_batch");
        await ProblemAssert.IsProblem(await d.MemberClient.PostAsJsonAsync("/v1/orders/batch", Array.Empty<object>()), HttpStatusCode.BadRequest, "empty_batch");

        Assert.Equal(0, (await exchange.AccountAsync(d.Member)).GetProperty("held").GetInt64());
    }
}
