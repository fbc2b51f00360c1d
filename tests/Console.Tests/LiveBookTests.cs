using System.Net;
using ClearingCluster.Client;
using ClearingCluster.Wire;

namespace ClearingCluster.Console.Tests;

/// <summary>A product's book live in the browser: trades arrive as server-sent events from the books' streams, as market data only, and only for a session.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class LiveBookTests(ConsoleFixture fixture)
{
    private async Task TradeAsync(string provider, string providerKey, string product, long price, long quantity)
    {
        var (buyer, buyerKey) = await fixture.MemberAsync("buyer", deposit: 100_000_000);
        using var providerClient = new ClearingClient(fixture.Gateway.Address, providerKey);
        using var buyerClient = new ClearingClient(fixture.Gateway.Address, buyerKey);
        await providerClient.PlaceOrderAsync(new OrderRequest($"ask-{Guid.NewGuid():N}", provider, product, "sell", Price: price, Quantity: quantity));
        await buyerClient.PlaceOrderAsync(new OrderRequest($"bid-{Guid.NewGuid():N}", buyer, product, "buy", Price: price, Quantity: quantity, Scenario: "forecast"));
    }

    [Fact]
    public async Task A_trade_appears_on_the_open_book_page_as_it_happens()
    {
        var (provider, providerKey, product) = await fixture.ProductAsync(listed: true);
        var (_, watcherKey) = await fixture.MemberAsync("buyer");
        var page = await fixture.PageAsync(locale: "en-US");
        await fixture.SignInAsync(page, watcherKey);
        await page.GotoAsync($"/console/books/{product}");
        await page.WaitForSelectorAsync("#feed-status[data-state=live]");
        Assert.Equal(0, await page.Locator("#trades tr[data-trade]").CountAsync());

        await TradeAsync(provider, providerKey, product, price: 1_500, quantity: 30);

        await page.WaitForSelectorAsync("#trades tr[data-trade]");
        var cells = await page.Locator("#trades tr[data-trade] td").AllInnerTextsAsync();
        Assert.Equal(["1500", "30"], cells.Skip(1));
        await page.WaitForSelectorAsync("#last:text('1500')");
    }

    [Fact]
    public async Task The_feed_needs_a_session_and_says_nothing_of_who_traded()
    {
        var (provider, providerKey, product) = await fixture.ProductAsync(listed: true);
        using (var anonymous = new HttpClient { BaseAddress = fixture.Gateway.Address })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/console/books/{product}/events")).StatusCode);
        }
        var (_, watcherKey) = await fixture.MemberAsync("buyer");
        var page = await fixture.PageAsync();
        await fixture.SignInAsync(page, watcherKey);
        var session = (await page.Context.CookiesAsync()).Single(c => c.Name == "__Host-cc_session").Value;
        var cookies = new CookieContainer();
        cookies.Add(fixture.Gateway.Address, new Cookie("__Host-cc_session", session));
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = fixture.Gateway.Address };
        using var response = await http.GetAsync($"/console/books/{product}/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var events = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await events.ReadLineAsync() is { } line && line != "event: ready")
        {
        }

        await TradeAsync(provider, providerKey, product, price: 2_000, quantity: 5);

        string? data = null;
        while (await events.ReadLineAsync() is { } line)
        {
            if (line == "event: trade")
            {
                data = await events.ReadLineAsync();
                break;
            }
        }
        Assert.NotNull(data);
        Assert.Contains("\"price\":2000", data, StringComparison.Ordinal);
        Assert.DoesNotContain("buyer", data, StringComparison.Ordinal);
        Assert.DoesNotContain(provider, data, StringComparison.Ordinal);
    }
}
