using System.Net;
using ClearingCluster.Client;
using ClearingCluster.Wire;

using static ClearingCluster.EndToEnd.Tests.TypedOrders;

namespace ClearingCluster.EndToEnd.Tests;

/// <summary>Listings: cursor paging stable under inserts, filters that combine, and the visibility of the single reads.</summary>
[Collection(GatewayCollection.Name)]
public sealed class ListingTests(GatewayFixture fixture)
{
    private readonly Exchange exchange = new(fixture.Gateway, GatewayFixture.AdminKey);

    private static async Task<List<T>> AllPagesAsync<T>(Func<string?, Task<(IReadOnlyList<T> Items, string? Next)>> page)
    {
        var all = new List<T>();
        string? cursor = null;
        do
        {
            var (items, next) = await page(cursor);
            all.AddRange(items);
            cursor = next;
        }
        while (cursor is not null);
        return all;
    }

    [Fact]
    public async Task Order_pages_neither_repeat_nor_skip_when_orders_arrive_between_them()
    {
        var (provider, providerHttp) = await exchange.MemberAsync("pprov", "provider");
        var (buyer, buyerHttp) = await exchange.MemberAsync("pbuy", "buyer");
        await exchange.DepositAsync(buyer, 10_000_000, "funding");
        var product = await exchange.ListedProductAsync(provider, providerHttp);
        var client = new ClearingClient(buyerHttp);
        var placed = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            placed.Add((await client.PlaceOrderAsync(Buy(buyer, product, $"o-{i}", price: 50 + i))).OrderId);
        }

        var first = await client.ListOrdersAsync(limit: 3);
        await client.PlaceOrderAsync(Buy(buyer, product, "late-1"));
        await client.PlaceOrdersAsync([Buy(buyer, product, "late-2"), Buy(buyer, product, "late-3")]);
        var second = await client.ListOrdersAsync(cursor: first.Next, limit: 3);
        var third = await client.ListOrdersAsync(cursor: second.Next, limit: 3);

        Assert.Equal(placed.AsEnumerable().Reverse(), first.Items.Concat(second.Items).Concat(third.Items).Select(o => o.OrderId));
        Assert.Null(third.Next);
        Assert.Equal(10, (await AllPagesAsync<OrderResponse>(async c => await client.ListOrdersAsync(cursor: c, limit: 4) is var p ? (p.Items, p.Next) : default)).Count);
    }

    [Fact]
    public async Task Order_filters_combine_and_each_caller_sees_what_a_read_shows_it()
    {
        var (provider, providerHttp) = await exchange.MemberAsync("fprov", "provider");
        var (buyer, buyerHttp) = await exchange.MemberAsync("fbuy", "buyer");
        var (gateway, gatewayHttp) = await exchange.MemberAsync("fgw", "gateway");
        var (_, strangerHttp) = await exchange.MemberAsync("fstr", "buyer");
        var (_, regulatorHttp) = await exchange.MemberAsync("freg", "regulator");
        await exchange.DepositAsync(buyer, 10_000_000, "funding");
        var product = await exchange.ListedProductAsync(provider, providerHttp);
        var other = await exchange.ListedProductAsync(provider, providerHttp);
        var client = new ClearingClient(buyerHttp);
        await client.AuthoriseGatewayAsync(buyer, gateway);

        var resting = await client.PlaceOrderAsync(Buy(buyer, product, "r-1", price: 40));
        var cancelled = await client.PlaceOrderAsync(Buy(buyer, product, "c-1", price: 41));
        await client.CancelOrderAsync(cancelled.OrderId);
        var elsewhere = await client.PlaceOrderAsync(Buy(buyer, other, "e-1", price: 42));
        var byGateway = await new ClearingClient(gatewayHttp).PlaceOrderAsync(Buy(buyer, product, "g-1", price: 43));
        await new ClearingClient(providerHttp).PlaceOrderAsync(Sell(provider, other, "s-1", price: 500));

        Assert.Equal([byGateway.OrderId, resting.OrderId], (await client.ListOrdersAsync(product: product, status: "open", side: "buy")).Items.Select(o => o.OrderId));
        Assert.Equal([cancelled.OrderId], (await client.ListOrdersAsync(status: "closed")).Items.Select(o => o.OrderId));
        Assert.Equal([elsewhere.OrderId], (await client.ListOrdersAsync(product: other)).Items.Select(o => o.OrderId));
        Assert.Empty((await client.ListOrdersAsync(side: "sell")).Items);
        Assert.Empty((await client.ListOrdersAsync(from: DateTimeOffset.UtcNow.AddDays(1))).Items);

        Assert.Equal(4, (await new ClearingClient(regulatorHttp).ListOrdersAsync(participant: buyer)).Items.Count);
        Assert.Equal([byGateway.OrderId], (await new ClearingClient(gatewayHttp).ListOrdersAsync(participant: buyer)).Items.Select(o => o.OrderId));
        var refused = await Assert.ThrowsAsync<ClearingProblemException>(() => new ClearingClient(strangerHttp).ListOrdersAsync(participant: buyer));
        Assert.Equal((HttpStatusCode.Forbidden, "forbidden"), (refused.Status, refused.Code));
        await client.RevokeGatewayAsync(buyer, gateway);
        var revoked = await Assert.ThrowsAsync<ClearingProblemException>(() => new ClearingClient(gatewayHttp).ListOrdersAsync(participant: buyer));
        Assert.Equal((HttpStatusCode.Forbidden, "gateway_not_authorised"), (revoked.Status, revoked.Code));
        var bad = await Assert.ThrowsAsync<ClearingProblemException>(() => client.ListOrdersAsync(cursor: "not-a-cursor"));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_cursor"), (bad.Status, bad.Code));
        var tooMany = await Assert.ThrowsAsync<ClearingProblemException>(() => client.ListOrdersAsync(limit: 201));
        Assert.Equal("invalid_limit", tooMany.Code);
    }

    [Fact]
    public async Task Contracts_page_past_any_old_cap_and_filter_by_status_product_and_counterparty()
    {
        var (provider, providerHttp) = await exchange.MemberAsync("kprov", "provider");
        var (provider2, provider2Http) = await exchange.MemberAsync("kprov2", "provider");
        var (buyer, buyerHttp) = await exchange.MemberAsync("kbuy", "buyer");
        await exchange.DepositAsync(buyer, 100_000_000, "funding");
        var product = await exchange.ListedProductAsync(provider, providerHttp);
        var product2 = await exchange.ListedProductAsync(provider2, provider2Http);
        await new ClearingClient(providerHttp).PlaceOrderAsync(Sell(provider, product, "s-1", quantity: 1_000));
        await new ClearingClient(provider2Http).PlaceOrderAsync(Sell(provider2, product2, "s-2", quantity: 1_000));
        var client = new ClearingClient(buyerHttp);
        for (var i = 0; i < 5; i++)
        {
            await client.PlaceOrderAsync(Buy(buyer, product, $"b-{i}", quantity: 1));
        }
        await client.PlaceOrderAsync(Buy(buyer, product2, "b-x", quantity: 1));

        var all = await AllPagesAsync<ContractResponse>(async c => await client.ListContractsAsync(buyer, cursor: c, limit: 2) is var p ? (p.Items, p.Next) : default);
        Assert.Equal(6, all.Count);
        Assert.Equal(6, all.Select(c => c.Id).Distinct().Count());
        Assert.Equal(5, (await client.ListContractsAsync(buyer, product: product)).Items.Count);
        Assert.Equal([product2], (await client.ListContractsAsync(buyer, counterparty: provider2)).Items.Select(c => c.Product));
        Assert.Equal(6, (await client.ListContractsAsync(buyer, status: "active")).Items.Count);
        Assert.Empty((await client.ListContractsAsync(buyer, status: "expired")).Items);
        Assert.Equal(5, (await new ClearingClient(providerHttp).ListContractsAsync(provider)).Items.Count);
    }

    [Fact]
    public async Task Participants_products_and_ledger_entries_list_with_filters_and_visibility()
    {
        var (provider, providerHttp) = await exchange.MemberAsync("lsprov", "provider");
        var (member, memberHttp) = await exchange.MemberAsync("lsmem", "intermediary");
        var listed = await exchange.ListedProductAsync(provider, providerHttp);
        var pending = Exchange.NewId("lspend");
        await new ClearingClient(providerHttp).SubmitProductAsync(new SubmitProductRequest(pending, provider, "P", "api", "call", "geo", ["s"], "api"));

        var intermediaries = await AllPagesAsync<ParticipantResponse>(async c =>
            await exchange.Staff.ListParticipantsAsync(role: "intermediary", status: "active", cursor: c, limit: 5) is var p ? (p.Items, p.Next) : default);
        Assert.Contains(intermediaries, p => p.Id == member);
        Assert.All(intermediaries, p => Assert.Contains("intermediary", p.Roles));
        Assert.Equal(intermediaries.Select(p => p.Id).Order(StringComparer.Ordinal), intermediaries.Select(p => p.Id));
        Assert.Equal([member], (await new ClearingClient(memberHttp).ListParticipantsAsync()).Items.Select(p => p.Id));
        Assert.Empty((await new ClearingClient(memberHttp).ListParticipantsAsync(status: "suspended")).Items);

        Assert.Equal([listed], (await new ClearingClient(memberHttp).ListProductsAsync(status: "listed", provider: provider)).Items.Select(p => p.Id));
        Assert.Equal([pending], (await exchange.Staff.ListProductsAsync(status: "pending_review", provider: provider)).Items.Select(p => p.Id));

        var entries = await exchange.Staff.ListLedgerEntriesAsync(0, 1000, kind: "product.listed", subject: listed);
        Assert.Equal(listed, Assert.Single(entries.Entries).Subject);
        var bad = await Assert.ThrowsAsync<ClearingProblemException>(() => exchange.Staff.ListProductsAsync(status: "sold"));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_status"), (bad.Status, bad.Code));
    }
}
