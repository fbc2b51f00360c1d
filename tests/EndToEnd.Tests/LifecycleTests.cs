using System.Net;
using ClearingCluster.Client;
using ClearingCluster.Wire;

namespace ClearingCluster.EndToEnd.Tests;

/// <summary>Nothing stuck and nothing trading that should not: suspension and delisting pull orders, staff cancel any order.</summary>
[Collection(GatewayCollection.Name)]
public sealed class LifecycleTests(GatewayFixture fixture)
{
    private readonly Exchange exchange = new(fixture.Gateway, GatewayFixture.AdminKey);

    private sealed record Market(string Product, string Provider, ClearingClient ProviderClient, string Buyer, ClearingClient BuyerClient);

    private async Task<Market> MarketAsync()
    {
        var (provider, providerHttp) = await exchange.MemberAsync("lprov", "provider");
        var (buyer, buyerHttp) = await exchange.MemberAsync("lbuy", "buyer");
        await exchange.DepositAsync(buyer, 10_000_000, "funding");
        var product = await exchange.ListedProductAsync(provider, providerHttp);
        return new Market(product, provider, new ClearingClient(providerHttp), buyer, new ClearingClient(buyerHttp));
    }

    private static OrderRequest Buy(string member, string product, string clientOrderId, long price, long quantity) =>
        new(clientOrderId, member, product, "buy", Price: price, Quantity: quantity, Scenario: "credit-risk");

    private static OrderRequest Sell(string provider, string product, string clientOrderId, long price, long quantity) =>
        new(clientOrderId, provider, product, "sell", Price: price, Quantity: quantity);

    /// <summary>The money invariants: held is the value of resting buys for every account, escrow what contracts took.</summary>
    private async Task MoneyReconcilesAsync()
    {
        var reconciliation = await exchange.Staff.ReconcileTradingAsync();
        Assert.True(reconciliation.Ok, string.Join("; ", reconciliation.Mismatches));
    }

    private async Task<List<LedgerEntryResponse>> LedgerAsync()
    {
        var entries = new List<LedgerEntryResponse>();
        for (long? after = 0; after is { } from;)
        {
            var page = await exchange.Staff.ListLedgerEntriesAsync(from, 1000);
            entries.AddRange(page.Entries);
            after = page.Next;
        }
        return entries;
    }

    [Fact]
    public async Task Suspending_a_member_pulls_its_resting_orders_so_they_cannot_fill()
    {
        var m = await MarketAsync();
        var bid = await m.BuyerClient.PlaceOrderAsync(Buy(m.Buyer, m.Product, "b-1", 200, 100));
        var ask = await m.ProviderClient.PlaceOrderAsync(Sell(m.Provider, m.Product, "s-1", 500, 100));
        Assert.Equal(200 * 100, (await m.BuyerClient.GetAccountAsync(m.Buyer)).Held);

        Assert.Equal("suspended", (await exchange.Staff.SuspendParticipantAsync(m.Buyer)).Status);

        var pulled = await exchange.Staff.GetOrderAsync(bid.OrderId);
        Assert.Equal(("cancelled", "participant_suspended", 100L), (pulled.Status, pulled.Reason, pulled.Cancelled));
        Assert.Equal(0, (await exchange.Staff.GetAccountAsync(m.Buyer)).Held);
        Assert.Equal("resting", (await exchange.Staff.GetOrderAsync(ask.OrderId)).Status);
        // A sell that would have crossed the pulled bid finds nothing, and makes no contract for the suspended member.
        var sell = await m.ProviderClient.PlaceOrderAsync(Sell(m.Provider, m.Product, "s-2", 100, 50));
        Assert.Equal(("resting", 0L), (sell.Status, sell.Filled));
        Assert.Empty(await exchange.Staff.ListContractsAsync(m.Buyer));
        var refused = await Assert.ThrowsAsync<ClearingProblemException>(() => m.BuyerClient.PlaceOrderAsync(Buy(m.Buyer, m.Product, "b-2", 500, 1)));
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Contains(await LedgerAsync(), e => e.Kind == "participant.orders_pulled" && e.Subject == m.Buyer);
        await MoneyReconcilesAsync();
    }

    [Fact]
    public async Task Delisting_a_product_pulls_every_resting_order_and_releases_every_hold()
    {
        var m = await MarketAsync();
        var (second, secondHttp) = await exchange.MemberAsync("lbuy2", "buyer");
        await exchange.DepositAsync(second, 5_000_000, "funding");
        var bids = new[]
        {
            await m.BuyerClient.PlaceOrderAsync(Buy(m.Buyer, m.Product, "b-1", 300, 40)),
            await m.BuyerClient.PlaceOrderAsync(Buy(m.Buyer, m.Product, "b-2", 250, 10)),
            await new ClearingClient(secondHttp).PlaceOrderAsync(Buy(second, m.Product, "b-1", 280, 20)),
        };
        var ask = await m.ProviderClient.PlaceOrderAsync(Sell(m.Provider, m.Product, "s-1", 900, 100));

        Assert.Equal("delisted", (await exchange.Staff.DelistProductAsync(m.Product, "provider withdrew it")).Status);

        foreach (var order in bids.Append(ask))
        {
            var after = await exchange.Staff.GetOrderAsync(order.OrderId);
            Assert.Equal(("cancelled", "product_delisted"), (after.Status, after.Reason));
            Assert.Equal(after.Quantity, after.Filled + after.Remaining + after.Cancelled);
        }
        Assert.Equal(0, (await exchange.Staff.GetAccountAsync(m.Buyer)).Held);
        Assert.Equal(0, (await exchange.Staff.GetAccountAsync(second)).Held);
        var book = await exchange.Staff.GetOrderBookAsync(m.Product);
        Assert.Empty(book.Bids);
        Assert.Empty(book.Asks);
        await MoneyReconcilesAsync();
    }

    [Fact]
    public async Task Staff_cancel_any_order_recorded_as_such_and_others_may_not()
    {
        var m = await MarketAsync();
        var bid = await m.BuyerClient.PlaceOrderAsync(Buy(m.Buyer, m.Product, "b-1", 150, 30));
        var (_, otherHttp) = await exchange.MemberAsync("lother", "buyer");
        var (_, regulatorHttp) = await exchange.MemberAsync("lreg", "regulator");

        foreach (var outsider in new[] { new ClearingClient(otherHttp), new ClearingClient(regulatorHttp) })
        {
            var refused = await Assert.ThrowsAsync<ClearingProblemException>(() => outsider.CancelOrderAsync(bid.OrderId));
            Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        }
        Assert.Equal(150 * 30, (await exchange.Staff.GetAccountAsync(m.Buyer)).Held);

        var cancelled = await exchange.Staff.CancelOrderAsync(bid.OrderId);

        Assert.Equal(("cancelled", "cancelled_by_staff", 30L), (cancelled.Status, cancelled.Reason, cancelled.Cancelled));
        Assert.Equal(cancelled.Reason, (await m.BuyerClient.GetOrderAsync(bid.OrderId)).Reason);
        Assert.Equal(0, (await exchange.Staff.GetAccountAsync(m.Buyer)).Held);
        var again = await Assert.ThrowsAsync<ClearingProblemException>(() => exchange.Staff.CancelOrderAsync(bid.OrderId));
        Assert.Equal((HttpStatusCode.Conflict, "order_not_open"), (again.Status, again.Code));
        await MoneyReconcilesAsync();
    }
}
