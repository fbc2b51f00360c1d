using System.Net;
using ClearingCluster.Client;
using ClearingCluster.Wire;

namespace ClearingCluster.Console.Tests;

/// <summary>A member's contracts with their quota used, and a contract's evidence proof checked by the browser itself (and failing when the terms are touched).</summary>
[Collection(ConsoleCollection.Name)]
public sealed class ContractConsoleTests(ConsoleFixture fixture)
{
    private async Task<(string Buyer, string BuyerKey, string Contract)> ContractWithUsageAsync()
    {
        var (provider, providerKey, product) = await fixture.ProductAsync(listed: true);
        var (buyer, buyerKey) = await fixture.MemberAsync("buyer", deposit: 5_000_000);
        using var providerClient = new ClearingClient(fixture.Gateway.Address, providerKey);
        using var buyerClient = new ClearingClient(fixture.Gateway.Address, buyerKey);
        await providerClient.PlaceOrderAsync(new OrderRequest("ask", provider, product, "sell", Price: 1_000, Quantity: 200));
        var contract = Assert.Single((await buyerClient.PlaceOrderAsync(new OrderRequest("bid", buyer, product, "buy", Price: 1_000, Quantity: 200,
            Scenario: "forecast"))).Contracts);
        await buyerClient.SubmitUsageAsync(new UsageBatchRequest("contracts-test", 1, [new UsageRecordRequest("call-1", contract, DateTimeOffset.UtcNow, 50)]));
        return (buyer, buyerKey, contract);
    }

    [Fact]
    public async Task A_member_sees_its_contracts_quota_used_and_its_browser_checks_the_evidence_proof()
    {
        var (_, key, contract) = await ContractWithUsageAsync();
        var page = await fixture.PageAsync(locale: "en-US");
        await fixture.SignInAsync(page, key);

        await page.ClickAsync("a[href='/console/contracts']");
        var row = page.Locator($"tr[data-contract='{contract}']");
        Assert.Equal("50", await row.Locator("[data-field=used]").InnerTextAsync());
        Assert.Equal("50", await row.Locator("meter").GetAttributeAsync("value"));
        Assert.Equal("200", await row.Locator("meter").GetAttributeAsync("max"));

        await row.Locator("a").ClickAsync();
        await page.WaitForSelectorAsync("#proof-verdict[data-verdict]");
        Assert.Equal("ok", await page.GetAttributeAsync("#proof-verdict", "data-verdict"));

        // The browser's own check, not the server's word: touch the terms and it fails.
        await page.EvaluateAsync("document.getElementById('terms').textContent = document.getElementById('terms').textContent.replace('\"quota\":200', '\"quota\":201')");
        await page.ClickAsync("#proof-check");
        await page.WaitForSelectorAsync("#proof-verdict[data-verdict=bad]");
        Assert.Contains("do not hash to the evidence code", await page.InnerTextAsync("#proof-verdict"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_member_may_not_open_a_contracts_evidence()
    {
        var (_, _, contract) = await ContractWithUsageAsync();
        var (_, otherKey) = await fixture.MemberAsync("buyer");
        var page = await fixture.PageAsync();
        await fixture.SignInAsync(page, otherKey);

        var response = await page.GotoAsync($"/console/contracts/{contract}");

        Assert.Contains(response!.Status, new[] { (int)HttpStatusCode.Forbidden, (int)HttpStatusCode.NotFound });
        Assert.Equal(0, await page.Locator("#terms").CountAsync());
    }
}
