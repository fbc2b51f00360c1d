using System.Net;
using ClearingCluster.Client;
using ClearingCluster.Wire;
using Microsoft.Playwright;

namespace ClearingCluster.Console.Tests;

/// <summary>
/// Every main page renders in both languages for the role it is for: status 200, the page's language, a heading, no
/// refusal. With <c>CONSOLE_SCREENSHOTS=dir</c> set it also saves each page there (how docs/console/ was made).
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsolePagesTests(ConsoleFixture fixture)
{
    private static readonly string? ScreenshotDirectory = Environment.GetEnvironmentVariable("CONSOLE_SCREENSHOTS");

    [Theory]
    [InlineData("zh-CN")]
    [InlineData("en")]
    public async Task The_main_pages_render_in_each_language(string language)
    {
        var (provider, providerKey, product) = await fixture.ProductAsync(listed: true);
        var (buyer, buyerKey) = await fixture.MemberAsync("buyer", deposit: 52_345_678_900);
        string contract;
        using (var providerClient = new ClearingClient(fixture.Gateway.Address, providerKey))
        using (var buyerClient = new ClearingClient(fixture.Gateway.Address, buyerKey))
        {
            await providerClient.PlaceOrderAsync(new OrderRequest($"ask-{language}", provider, product, "sell", Price: 12_000, Quantity: 5_000));
            var bought = await buyerClient.PlaceOrderAsync(new OrderRequest($"bid-{language}", buyer, product, "buy", Price: 12_000, Quantity: 2_000,
                Scenario: "forecast"));
            contract = bought.Contracts[0];
            await buyerClient.SubmitUsageAsync(new UsageBatchRequest($"pages-{language}", 1,
                [.. Enumerable.Range(0, 7).Select(i => new UsageRecordRequest($"call-{i}", contract, DateTimeOffset.UtcNow, 100))]));
            await buyerClient.PlaceOrderAsync(new OrderRequest($"rest-{language}", buyer, product, "buy", Price: 9_000, Quantity: 800, Scenario: "forecast"));
        }
        var staffKey = (await fixture.MemberAsync("clearing")).Key;
        using var staffClient = new ClearingClient(fixture.Gateway.Address, staffKey);
        var cut = await staffClient.CutOffCycleAsync();
        await staffClient.ComputeCycleAsync(cut.CycleId);
        var locale = language == "en" ? "en-US" : "zh-CN";

        var member = await fixture.PageAsync(locale);
        await ShootAsync(member, "/console/signin", $"signin-{language}", language);
        await fixture.SignInAsync(member, buyerKey);
        await ShootAsync(member, "/console", $"overview-{language}", language);
        await ShootAsync(member, "/console/orders", $"orders-{language}", language);
        await ShootAsync(member, "/console/contracts", $"contracts-{language}", language);
        await ShootAsync(member, $"/console/books/{product}", $"book-{language}", language, ready: "#feed-status[data-state=live]");
        await ShootAsync(member, $"/console/contracts/{contract}", $"evidence-{language}", language, ready: "#proof-verdict[data-verdict=ok]");

        var staff = await fixture.PageAsync(locale);
        await fixture.SignInAsync(staff, staffKey);
        await ShootAsync(staff, "/console/staff/cycles", $"cycles-{language}", language);
        await ShootAsync(staff, $"/console/staff/cycles/{cut.CycleId}/settle", $"settle-{language}", language);
        await staffClient.SettleCycleAsync(cut.CycleId);
        await ShootAsync(member, $"/console/statements?cycle={cut.CycleId}", $"statement-{language}", language);

        var admin = await fixture.PageAsync(locale);
        await fixture.SignInAsync(admin, fixture.Gateway.AdminKey);
        await ShootAsync(admin, "/console/staff/participants", $"participants-{language}", language);
        await ShootAsync(admin, "/console/regulator/ledger", $"ledger-{language}", language);
        await ShootAsync(admin, "/console/operations", $"operations-{language}", language, ready: "#operations svg.chart polyline");
    }

    /// <param name="ready">What the page shows once its script has run, waited for before anything is checked.</param>
    private static async Task ShootAsync(IPage page, string path, string name, string language, string? ready = null)
    {
        var response = await page.GotoAsync(path);
        if (ready is not null)
        {
            await page.WaitForSelectorAsync(ready);
        }

        Assert.Equal((int)HttpStatusCode.OK, response!.Status);
        Assert.Equal(language, await page.GetAttributeAsync("html", "lang"));
        Assert.False(string.IsNullOrWhiteSpace(await page.InnerTextAsync("h1")), $"{path} has a heading");
        Assert.Equal(0, await page.Locator(".refusal").CountAsync());
        if (ScreenshotDirectory is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, name + ".png"), FullPage = true });
        }
    }
}
