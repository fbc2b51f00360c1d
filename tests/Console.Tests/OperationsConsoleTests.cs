using System.Net;

namespace ClearingCluster.Console.Tests;

/// <summary>Operations in the browser: health and the hot paths charted from the Gateway's own metrics, for staff and regulators only.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class OperationsConsoleTests(ConsoleFixture fixture)
{
    [Fact]
    public async Task Staff_see_health_and_the_hot_paths_charted_over_the_last_minutes()
    {
        var (_, key) = await fixture.MemberAsync("regulator");
        var page = await fixture.PageAsync(locale: "en-US");
        await fixture.SignInAsync(page, key);

        await page.ClickAsync("a[href='/console/operations']");

        Assert.Equal("ready", await page.GetAttributeAsync("[data-field=health]", "data-status"));
        await page.WaitForSelectorAsync("#operations svg.chart polyline");
        Assert.Equal(5, await page.Locator("#operations svg.chart").CountAsync());
    }

    [Fact]
    public async Task A_member_may_not_watch_operations_nor_read_their_data()
    {
        var (_, key) = await fixture.MemberAsync("buyer");
        var page = await fixture.PageAsync();
        await fixture.SignInAsync(page, key);

        var refused = await page.GotoAsync("/console/operations");
        Assert.Equal((int)HttpStatusCode.Forbidden, refused!.Status);
        Assert.Equal(0, await page.Locator("a[href='/console/operations']").CountAsync());
        var data = await page.GotoAsync("/console/operations/data");
        Assert.Equal((int)HttpStatusCode.Forbidden, data!.Status);

        using var anonymous = new HttpClient { BaseAddress = fixture.Gateway.Address };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/console/operations/data")).StatusCode);
    }
}
