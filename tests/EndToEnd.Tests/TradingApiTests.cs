using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ClearingCluster.EndToEnd.Tests;

[Collection(GatewayCollection.Name)]
public sealed class TradingApiTests(GatewayFixture fixture)
{
    private readonly Exchange exchange = new(fixture.Gateway, GatewayFixture.AdminKey);

    private sealed record Market(string Product, string Provider, HttpClient ProviderClient, string Buyer, HttpClient BuyerClient);

    private async Task<Market> MarketAsync(long deposit = 1_000_000_000)
    {
        var (provider, providerClient) = await exchange.MemberAsync("prov", "provider");
        var (buyer, buyerClient) = await exchange.MemberAsync("buyer", "buyer");
        await exchange.DepositAsync(buyer, deposit, "funding");
        var product = await exchange.ListedProductAsync(provider, providerClient);
        return new Market(product, provider, providerClient, buyer, buyerClient);
    }

    private static object Buy(Market m, string clientOrderId, long price, long quantity, string scenario = "credit-risk", string tif = "gtc") => new
    {
        clientOrderId, participant = m.Buyer, product = m.Product, side = "buy", type = "limit", timeInForce = tif, price, quantity, scenario, validityDays = 30,
    };

    private static object Sell(Market m, string clientOrderId, long price, long quantity, string tif = "gtc") => new
    {
        clientOrderId, participant = m.Provider, product = m.Product, side = "sell", type = "limit", timeInForce = tif, price, quantity,
    };

    private async Task<(long Available, long Held, long Escrow)> MoneyAsync(string account)
    {
        var a = await exchange.AccountAsync(account);
        return (a.GetProperty("available").GetInt64(), a.GetProperty("held").GetInt64(), a.GetProperty("escrow").GetInt64());
    }

    private async Task<JsonElement> BookAsync(Market m) => await Exchange.Ok(await m.BuyerClient.GetAsync($"/v1/products/{m.Product}/book"));

    [Fact]
    public async Task A_buy_with_a_scenario_the_product_does_not_permit_is_refused_and_reserves_nothing()
    {
        var m = await MarketAsync();

        var detail = await ProblemAssert.IsProblem(await m.BuyerClient.PostAsJsonAsync("/v1/orders", Buy(m, "b-1", 2_000, 100, scenario: "marketing")),
            HttpStatusCode.UnprocessableEntity, "scenario_not_permitted");

        Assert.Contains("credit-risk", detail);
        Assert.Equal((1_000_000_000L, 0L, 0L), await MoneyAsync(m.Buyer));
        Assert.Empty((await BookAsync(m)).GetProperty("bids").EnumerateArray());
    }

    [Fact]
    public async Task A_buy_beyond_the_buyers_funds_is_refused_and_changes_nothing()
    {
        var m = await MarketAsync(deposit: 100_000);

        await ProblemAssert.IsProblem(await m.BuyerClient.PostAsJsonAsync("/v1/orders", Buy(m, "b-1", 2_000, 51)),
            HttpStatusCode.UnprocessableEntity, "insufficient_funds");

        Assert.Equal((100_000L, 0L, 0L), await MoneyAsync(m.Buyer));
        Assert.Empty((await BookAsync(m)).GetProperty("bids").EnumerateArray());
        Assert.Equal(HttpStatusCode.Created, (await m.BuyerClient.PostAsJsonAsync("/v1/orders", Buy(m, "b-1", 2_000, 50))).StatusCode);
    }

    [Fact]
    public async Task An_order_after_a_refused_one_reserves_its_own_money()
    {
        var m = await MarketAsync(deposit: 10_000);
        await m.ProviderClient.PostAsJsonAsync("/v1/orders", Sell(m, "s-1", 1_000, 1));
        await m.BuyerClient.PostAsJsonAsync("/v1/orders", Buy(m, "b-0", 1_000, 1));
        // Refused by the book itself (outside the price band around the last trade) after its reserve was taken.
        await ProblemAssert.IsProblem(await m.BuyerClient.PostAsJsonAsync("/v1/orders", Buy(m, "b-1", 1_600, 1)),
            HttpStatusCode.UnprocessableEntity, "price_outside_band");
        Assert.Equal((9_000L, 0L, 1_000L), await MoneyAsync(m.Buyer));

        var next = await Exchange.Ok(await m.BuyerClient.PostAsJsonAsync("/v1/orders", Buy(m, "b-2", 1_000, 5)), HttpStatusCode.Created);

        Assert.Equal("resting", next.GetProperty("status").GetString());
        Assert.Equal((4_000L, 5_000L, 1_000L), await MoneyAsync(m.Buyer));
    }

    [Fact]
    public async Task A_fill_creates_an_active_contract_whose_escrow_is_captured_and_the_price_improvement_released()
    {
        var m = await MarketAsync();
        await Exchange.Ok(await m.ProviderClient.PostAsJsonAsync("/v1/orders", Sell(m, "s-1", 1_900, 60_000)), HttpStatusCode.Created);

        var order = await Exchange.Ok(await m.BuyerClient.PostAsJsonAsync("/v1/orders", Buy(m, "b-1", 2_000, 100_000)), HttpStatusCode.Created);

        Assert.Equal("partially_filled", order.GetProperty("status").GetString());
        Assert.Equal(60_000, order.GetProperty("filled").GetInt64());
        Assert.Equal(40_000, order.GetProperty("remaining").GetInt64());
        Assert.Equal(0, order.GetProperty("cancelled").GetInt64());
        var contractId = order.GetProperty("contracts").EnumerateArray().Single().GetString()!;
        var contract = await Exchange.Ok(await m.BuyerClient.GetAsync($"/v1/contracts/{contractId}"));
        Assert.Equal(1_900, contract.GetProperty("price").GetInt64());
        Assert.Equal(60_000, contract.GetProperty("quota").GetInt64());
        Assert.Equal(114_000_000, contract.GetProperty("escrow").GetInt64());
        Assert.Equal("active", contract.GetProperty("status").GetString());
        Assert.Equal(m.Provider, contract.GetProperty("provider").GetString());
        Assert.Matches("^[0-9a-f]{64}$", contract.GetProperty("evidenceCode").GetString());

        // Escrow = price × quota; the rest at the limit stays held; the price improvement went back.
        Assert.Equal((1_000_000_000L - 114_000_000 - 80_000_000, 80_000_000L, 114_000_000L), await MoneyAsync(m.Buyer));
    }

    [Fact]
    public async Task A_repeated_client_order_id_returns_the_first_result_and_reserves_once()
    {
        var m = await MarketAsync();

        var first = await Exchange.Ok(await m.BuyerClient.PostAsJsonAsync("/v1/orders", Buy(m, "same", 1_000, 10)), HttpStatusCode.Created);
        var again = await Exchange.Ok(await m.BuyerClient.PostAsJsonAsync("/v1/orders", Buy(m, "same", 1_000, 10)), HttpStatusCode.Created);

        Assert.Equal(first.GetProperty("orderId").GetString(), again.GetProperty("orderId").GetString());
        Assert.Equal(10_000, (await MoneyAsync(m.Buyer)).Held);
        await ProblemAssert.IsProblem(await m.BuyerClient.PostAsJsonAsync("/v1/orders", Buy(m, "same", 1_000, 11)), HttpStatusCode.Conflict, "client_order_id_reused");
    }

    [Fact]
    public async Task Cancelling_releases_the_reserve_and_only_the_owner_may_cancel_an_open_order()
    {
        var m = await MarketAsync();
        var (_, stranger) = await exchange.MemberAsync("stranger", "buyer");
        var order = await Exchange.Ok(await m.BuyerClient.PostAsJsonAsync("/v1/orders", Buy(m, "b-1", 1_000, 10)), HttpStatusCode.Created);
        var orderId = order.GetProperty("orderId").GetString()!;

        // The same answer a read gives a stranger: the order's existence is not revealed.
        await ProblemAssert.IsProblem(await stranger.GetAsync($"/v1/orders/{orderId}"), HttpStatusCode.NotFound, "unknown_order");
        await ProblemAssert.IsProblem(await stranger.DeleteAsync($"/v1/orders/{orderId}"), HttpStatusCode.NotFound, "unknown_order");
        await ProblemAssert.IsProblem(await stranger.PostAsJsonAsync($"/v1/orders/{orderId}/reduce", new { remaining = 1 }), HttpStatusCode.NotFound, "unknown_order");
        Assert.Equal(10_000, (await MoneyAsync(m.Buyer)).Held);

        var cancelled = await Exchange.Ok(await m.BuyerClient.DeleteAsync($"/v1/orders/{orderId}"));
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.Equal((1_000_000_000L, 0L, 0L), await MoneyAsync(m.Buyer));
        await ProblemAssert.IsProblem(await m.BuyerClient.DeleteAsync($"/v1/orders/{orderId}"), HttpStatusCode.Conflict, "order_not_open");
        await ProblemAssert.IsProblem(await m.BuyerClient.DeleteAsync($"/v1/orders/{m.Product}:999"), HttpStatusCode.NotFound, "unknown_order");
        await ProblemAssert.IsProblem(await m.BuyerClient.DeleteAsync("/v1/orders/not-an-order-id"), HttpStatusCode.BadRequest, "invalid_order_id");
    }

    [Fact]
    public async Task Cancelling_a_filled_order_is_a_conflict()
    {
        var m = await MarketAsync();
        await m.ProviderClient.PostAsJsonAsync("/v1/orders", Sell(m, "s-1", 1_000, 10));
        var filled = await Exchange.Ok(await m.BuyerClient.PostAsJsonAsync("/v1/orders", Buy(m, "b-1", 1_000, 10)), HttpStatusCode.Created);

        Assert.Equal("filled", filled.GetProperty("status").GetString());
        await ProblemAssert.IsProblem(await m.BuyerClient.DeleteAsync($"/v1/orders/{filled.GetProperty("orderId").GetString()}"), HttpStatusCode.Conflict, "order_not_open");
        Assert.Equal((1_000_000_000L - 10_000, 0L, 10_000L), await MoneyAsync(m.Buyer));
    }

    [Fact]
    public async Task Only_the_provider_sells_only_listed_products_trade_and_members_place_only_their_own_orders()
    {
        var m = await MarketAsync();
        var (other, otherClient) = await exchange.MemberAsync("prov2", "provider");
        var pending = Exchange.NewId("pend");
        await Exchange.Ok(await otherClient.PostAsJsonAsync("/v1/products", Exchange.Product(pending, other)), HttpStatusCode.Created);

        await ProblemAssert.IsProblem(await otherClient.PostAsJsonAsync("/v1/orders", new
        {
            clientOrderId = "x", participant = other, product = m.Product, side = "sell", price = 1_000, quantity = 1,
        }), HttpStatusCode.UnprocessableEntity, "not_the_provider");
        await ProblemAssert.IsProblem(await otherClient.PostAsJsonAsync("/v1/orders", new
        {
            clientOrderId = "y", participant = other, product = pending, side = "sell", price = 1_000, quantity = 1,
        }), HttpStatusCode.UnprocessableEntity, "product_not_listed");
        await ProblemAssert.IsProblem(await otherClient.PostAsJsonAsync("/v1/orders", Buy(m, "z", 1_000, 1)), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsProblem(await m.BuyerClient.PostAsJsonAsync("/v1/orders", new
        {
            clientOrderId = "w", participant = m.Buyer, product = m.Product, side = "sell", price = 1_000, quantity = 1,
        }), HttpStatusCode.UnprocessableEntity, "not_the_provider");
        await ProblemAssert.IsProblem(await m.BuyerClient.PostAsJsonAsync("/v1/orders", new
        {
            clientOrderId = "v", participant = m.Buyer, product = m.Product, side = "buy", type = "market", timeInForce = "ioc", quantity = 1, scenario = "credit-risk",
        }), HttpStatusCode.BadRequest, "invalid_max_cost");
        Assert.Empty((await BookAsync(m)).GetProperty("asks").EnumerateArray());
    }

    [Fact]
    public async Task A_market_buy_spends_at_most_its_cost_and_an_IOC_remainder_is_released()
    {
        var m = await MarketAsync();
        await m.ProviderClient.PostAsJsonAsync("/v1/orders", Sell(m, "s-1", 1_000, 5));
        await m.ProviderClient.PostAsJsonAsync("/v1/orders", Sell(m, "s-2", 1_200, 5));

        var market = await Exchange.Ok(await m.BuyerClient.PostAsJsonAsync("/v1/orders", new
        {
            clientOrderId = "m-1", participant = m.Buyer, product = m.Product, side = "buy", type = "market", timeInForce = "ioc",
            quantity = 10, maxCost = 7_500, scenario = "credit-risk", validityDays = 7,
        }), HttpStatusCode.Created);

        Assert.Equal("cancelled", market.GetProperty("status").GetString());
        Assert.Equal("max_cost_reached", market.GetProperty("reason").GetString());
        Assert.Equal(7, market.GetProperty("filled").GetInt64());
        // The leftover is reported as cancelled: filled + remaining + cancelled = quantity.
        Assert.Equal((0L, 3L), (market.GetProperty("remaining").GetInt64(), market.GetProperty("cancelled").GetInt64()));
        Assert.Equal((1_000_000_000L - 7_400, 0L, 7_400L), await MoneyAsync(m.Buyer));

        var ioc = await Exchange.Ok(await m.BuyerClient.PostAsJsonAsync("/v1/orders", Buy(m, "i-1", 1_200, 10, tif: "ioc")), HttpStatusCode.Created);
        Assert.Equal(3, ioc.GetProperty("filled").GetInt64());
        Assert.Equal((0L, 7L), (ioc.GetProperty("remaining").GetInt64(), ioc.GetProperty("cancelled").GetInt64()));
        Assert.Equal((1_000_000_000L - 7_400 - 3_600, 0L, 11_000L), await MoneyAsync(m.Buyer));
        Assert.Empty((await BookAsync(m)).GetProperty("bids").EnumerateArray());
    }

    [Fact]
    public async Task A_member_never_trades_with_itself()
    {
        var (both, client) = await exchange.MemberAsync("both", "provider", "buyer");
        await exchange.DepositAsync(both, 1_000_000, "f");
        var product = await exchange.ListedProductAsync(both, client);
        await client.PostAsJsonAsync("/v1/orders", new { clientOrderId = "s", participant = both, product, side = "sell", price = 100, quantity = 10 });

        var buy = await Exchange.Ok(await client.PostAsJsonAsync("/v1/orders", new
        {
            clientOrderId = "b", participant = both, product, side = "buy", price = 100, quantity = 10, scenario = "credit-risk", validityDays = 1,
        }), HttpStatusCode.Created);

        Assert.Equal("cancelled", buy.GetProperty("status").GetString());
        Assert.Equal("self_trade_prevented", buy.GetProperty("reason").GetString());
        Assert.Empty(buy.GetProperty("contracts").EnumerateArray());
        Assert.Equal(1_000_000, (await MoneyAsync(both)).Available);
    }

    [Fact]
    public async Task Orders_and_contracts_are_visible_to_their_parties_and_oversight_only()
    {
        var m = await MarketAsync();
        var (_, stranger) = await exchange.MemberAsync("stranger", "buyer");
        var (_, regulator) = await exchange.MemberAsync("reg", "regulator");
        await m.ProviderClient.PostAsJsonAsync("/v1/orders", Sell(m, "s-1", 1_000, 5));
        var order = await Exchange.Ok(await m.BuyerClient.PostAsJsonAsync("/v1/orders", Buy(m, "b-1", 1_000, 5)), HttpStatusCode.Created);
        var orderId = order.GetProperty("orderId").GetString()!;
        var contractId = order.GetProperty("contracts")[0].GetString()!;

        Assert.Equal("filled", (await Exchange.Ok(await m.BuyerClient.GetAsync($"/v1/orders/{orderId}"))).GetProperty("status").GetString());
        await Exchange.Ok(await regulator.GetAsync($"/v1/orders/{orderId}"));
        await ProblemAssert.IsProblem(await stranger.GetAsync($"/v1/orders/{orderId}"), HttpStatusCode.NotFound, "unknown_order");

        await Exchange.Ok(await m.ProviderClient.GetAsync($"/v1/contracts/{contractId}"));
        await Exchange.Ok(await regulator.GetAsync($"/v1/contracts/{contractId}"));
        await ProblemAssert.IsProblem(await stranger.GetAsync($"/v1/contracts/{contractId}"), HttpStatusCode.NotFound, "unknown_contract");

        var listed = await Exchange.Ok(await m.ProviderClient.GetAsync($"/v1/participants/{m.Provider}/contracts"));
        Assert.Equal(contractId, listed.GetProperty("items").EnumerateArray().Single().GetProperty("id").GetString());
        await ProblemAssert.IsProblem(await stranger.GetAsync($"/v1/participants/{m.Buyer}/contracts"), HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Reducing_a_resting_buy_keeps_its_priority_and_releases_the_difference()
    {
        var m = await MarketAsync();
        var order = await Exchange.Ok(await m.BuyerClient.PostAsJsonAsync("/v1/orders", Buy(m, "b-1", 1_000, 10)), HttpStatusCode.Created);
        var orderId = order.GetProperty("orderId").GetString()!;

        var reduced = await Exchange.Ok(await m.BuyerClient.PostAsJsonAsync($"/v1/orders/{orderId}/reduce", new { remaining = 4 }));

        Assert.Equal(4, reduced.GetProperty("remaining").GetInt64());
        Assert.Equal((1_000_000_000L - 4_000, 4_000L, 0L), await MoneyAsync(m.Buyer));
        Assert.Equal(4, (await BookAsync(m)).GetProperty("bids")[0].GetProperty("quantity").GetInt64());
        Assert.Equal(6, reduced.GetProperty("cancelled").GetInt64());
        // Repeating the reduce returns the order as it stands; raising it is refused; neither moves money.
        var again = await Exchange.Ok(await m.BuyerClient.PostAsJsonAsync($"/v1/orders/{orderId}/reduce", new { remaining = 4 }));
        Assert.Equal(reduced.GetProperty("updatedAt").GetString(), again.GetProperty("updatedAt").GetString());
        await ProblemAssert.IsProblem(await m.BuyerClient.PostAsJsonAsync($"/v1/orders/{orderId}/reduce", new { remaining = 5 }), HttpStatusCode.BadRequest, "invalid_quantity");
        Assert.Equal((1_000_000_000L - 4_000, 4_000L, 0L), await MoneyAsync(m.Buyer));
    }

    [Fact]
    public async Task A_restart_reproduces_the_same_book_and_it_keeps_trading()
    {
        var database = await fixture.Postgres.CreateDatabaseAsync();
        string before, product, provider, buyer, buyerKey, providerKey;
        await using (var first = GatewayFactory.Start(database, GatewayFixture.AdminKey))
        {
            var x = new Exchange(first, GatewayFixture.AdminKey);
            HttpClient providerClient, buyerClient;
            (provider, providerClient) = await x.MemberAsync("prov", "provider");
            (buyer, buyerClient) = await x.MemberAsync("buyer", "buyer");
            providerKey = await x.KeyAsync(provider);
            buyerKey = await x.KeyAsync(buyer);
            await x.DepositAsync(buyer, 10_000_000, "f");
            product = await x.ListedProductAsync(provider, providerClient);
            var m = new Market(product, provider, providerClient, buyer, buyerClient);
            foreach (var (price, quantity, i) in new[] { (900L, 5L, 1), (950L, 3L, 2), (900L, 7L, 3) })
            {
                await buyerClient.PostAsJsonAsync("/v1/orders", Buy(m, $"b-{i}", price, quantity));
            }
            await providerClient.PostAsJsonAsync("/v1/orders", Sell(m, "s-1", 1_100, 4));
            await providerClient.PostAsJsonAsync("/v1/orders", Sell(m, "s-2", 950, 2));
            before = (await Exchange.Ok(await buyerClient.GetAsync($"/v1/products/{product}/book"))).ToString();
        }

        await using var second = GatewayFactory.Start(database, GatewayFixture.AdminKey);
        using var buyerAgain = second.Client(buyerKey);
        using var providerAgain = second.Client(providerKey);
        Assert.Equal(before, (await Exchange.Ok(await buyerAgain.GetAsync($"/v1/products/{product}/book"))).ToString());

        // Time priority survived: of the two bids at 900, the older fills first.
        var sell = await Exchange.Ok(await providerAgain.PostAsJsonAsync("/v1/orders", new
        {
            clientOrderId = "s-3", participant = provider, product, side = "sell", price = 900, quantity = 7,
        }), HttpStatusCode.Created);
        var fills = sell.GetProperty("fills").EnumerateArray().Select(f => (f.GetProperty("price").GetInt64(), f.GetProperty("quantity").GetInt64())).ToList();
        Assert.Equal([(950L, 1L), (900L, 5L), (900L, 1L)], fills);
    }
}
