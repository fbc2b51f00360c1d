using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ClearingCluster.EndToEnd.Tests;

/// <summary>One time format everywhere: UTC, <c>Z</c>, six fractional digits, and the same bytes on every route that shows a thing.</summary>
[Collection(GatewayCollection.Name)]
public sealed partial class TimestampTests(GatewayFixture fixture)
{
    private readonly Exchange exchange = new(fixture.Gateway, GatewayFixture.AdminKey);

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")]
    private static partial Regex UtcMicroseconds();

    private static string Time(JsonElement element, string property)
    {
        var text = element.GetProperty(property).GetString()!;
        Assert.Matches(UtcMicroseconds(), text);
        return text;
    }

    [Fact]
    public async Task An_order_a_contract_and_a_ledger_entry_show_the_same_times_on_every_route()
    {
        var (provider, providerHttp) = await exchange.MemberAsync("tprov", "provider");
        var (buyer, buyerHttp) = await exchange.MemberAsync("tbuy", "buyer");
        await exchange.DepositAsync(buyer, 1_000_000, "funding");
        var product = await exchange.ListedProductAsync(provider, providerHttp);
        var sell = await Exchange.Ok(await providerHttp.PostAsJsonAsync("/v1/orders",
            new { clientOrderId = "t-s", participant = provider, product, side = "sell", price = 100, quantity = 50 }), HttpStatusCode.Created);
        var batch = await Exchange.Ok(await buyerHttp.PostAsJsonAsync("/v1/orders/batch",
            new[] { new { clientOrderId = "t-b", participant = buyer, product, side = "buy", price = 100, quantity = 20, scenario = "credit-risk" } }));
        var bought = batch.GetProperty("results")[0].GetProperty("order");

        // The order: as placed (batch answer), as read, as its maker sees it after the fill.
        var orderId = bought.GetProperty("orderId").GetString()!;
        var read = await Exchange.Ok(await buyerHttp.GetAsync($"/v1/orders/{orderId}"));
        Assert.Equal(Time(bought, "createdAt"), Time(read, "createdAt"));
        Assert.Equal(Time(bought, "updatedAt"), Time(read, "updatedAt"));
        var sellRead = await Exchange.Ok(await providerHttp.GetAsync($"/v1/orders/{sell.GetProperty("orderId").GetString()}"));
        Assert.Equal(Time(sell, "createdAt"), Time(sellRead, "createdAt"));

        // The contract: single, list, evidence.
        var contractId = bought.GetProperty("contracts")[0].GetString()!;
        var contract = await Exchange.Ok(await buyerHttp.GetAsync($"/v1/contracts/{contractId}"));
        var listed = (await Exchange.Ok(await buyerHttp.GetAsync($"/v1/participants/{buyer}/contracts"))).GetProperty("items").EnumerateArray().Single();
        var evidence = await Exchange.Ok(await buyerHttp.GetAsync($"/v1/contracts/{contractId}/evidence"));
        foreach (var property in new[] { "validFrom", "validTo" })
        {
            Assert.Equal(Time(contract, property), Time(listed, property));
            Assert.Equal(Time(contract, property), Time(evidence.GetProperty("contract"), property));
        }
        Assert.Equal(Time(contract, "validFrom"), Time(bought, "updatedAt"));

        // The ledger entry holding it: in the evidence, and in the ledger's own listing.
        var entry = evidence.GetProperty("entry");
        var seq = entry.GetProperty("seq").GetInt64();
        var page = await Exchange.Ok(await exchange.Admin.GetAsync($"/v1/ledger/entries?after={seq - 1}&limit=1"));
        Assert.Equal(Time(entry, "at"), Time(page.GetProperty("entries")[0], "at"));

        // The account and participant times follow the same format.
        var participant = await Exchange.Ok(await buyerHttp.GetAsync($"/v1/participants/{buyer}"));
        Time(participant, "registeredAt");
        Time(participant, "updatedAt");
    }
}
