using System.Net;
using Microsoft.Playwright;

namespace ClearingCluster.Console.Tests;

/// <summary>A member in a real browser: signs in with its key, sees its balances in Chinese or English, and is refused staff pages by the server.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class MemberConsoleTests(ConsoleFixture fixture)
{
    [Fact]
    public async Task A_member_signs_in_and_sees_its_balances_in_yuan_with_the_exact_micro_yuan_in_a_tooltip()
    {
        var (member, key) = await fixture.MemberAsync("buyer", deposit: 1_234_567_890);
        var page = await fixture.PageAsync();

        await page.GotoAsync("/console");
        Assert.EndsWith("/console/signin", page.Url, StringComparison.Ordinal);
        await fixture.SignInAsync(page, key);

        Assert.Equal(member, await page.InnerTextAsync("h1"));
        var available = page.Locator("td[data-field=available]");
        Assert.Equal("¥1,234.56", await available.InnerTextAsync());
        Assert.Equal("1,234,567,890 µ¥", await available.GetAttributeAsync("title"));
        Assert.Contains("余额", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        // The key is never in a page or a URL.
        Assert.DoesNotContain(key, await page.ContentAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(key, page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_language_switch_turns_the_console_to_English_and_back()
    {
        var (_, key) = await fixture.MemberAsync("buyer", deposit: 5_000_000);
        var page = await fixture.PageAsync();
        await fixture.SignInAsync(page, key);

        await page.ClickAsync("form[action='/console/language'] button");
        Assert.Contains("Balances", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        Assert.Equal("en", await page.GetAttributeAsync("html", "lang"));

        await page.ClickAsync("form[action='/console/language'] button");
        Assert.Contains("余额", await page.InnerTextAsync("main"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_English_browser_gets_English_at_once()
    {
        var (_, key) = await fixture.MemberAsync("buyer", deposit: 5_000_000);
        var page = await fixture.PageAsync(locale: "en-GB");

        await fixture.SignInAsync(page, key);

        Assert.Contains("Balances", await page.InnerTextAsync("main"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_member_who_opens_a_staff_page_is_refused_by_the_server()
    {
        var (_, key) = await fixture.MemberAsync("buyer");
        var page = await fixture.PageAsync();
        await fixture.SignInAsync(page, key);

        var response = await page.GotoAsync("/console/staff/cycles");

        Assert.Equal((int)HttpStatusCode.Forbidden, response!.Status);
        Assert.Contains("forbidden", await page.InnerTextAsync("[role=alert]"), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("table").CountAsync());
        // Nor is it offered.
        Assert.Equal(0, await page.Locator("a[href='/console/staff/cycles']").CountAsync());
    }

    [Fact]
    public async Task Staff_see_the_participants_and_the_clearing_cycles()
    {
        var (member, _) = await fixture.MemberAsync("buyer");
        var page = await fixture.PageAsync();
        await fixture.SignInAsync(page, fixture.Gateway.AdminKey);

        await page.ClickAsync("a[href='/console/staff/participants']");
        Assert.Contains(member, await page.InnerTextAsync("table"), StringComparison.Ordinal);

        await page.ClickAsync("a[href='/console/staff/cycles']");
        Assert.Contains("c1", await page.InnerTextAsync("table"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_member_listing_participants_sees_itself_only_as_the_API_shows_it()
    {
        var (other, _) = await fixture.MemberAsync("buyer");
        var (member, key) = await fixture.MemberAsync("buyer");
        var page = await fixture.PageAsync();
        await fixture.SignInAsync(page, key);

        await page.GotoAsync("/console/staff/participants");

        var listed = await page.InnerTextAsync("table");
        Assert.Contains(member, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(other, listed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_that_is_not_one_is_refused_at_sign_in()
    {
        var page = await fixture.PageAsync(locale: "en-US");
        await page.GotoAsync("/console/signin");
        await page.FillAsync("#key", "not-a-key-of-this-exchange-0000");

        var response = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("form:has(#key) button[type=submit]"), r => r.Request.Method == "POST");

        Assert.Equal((int)HttpStatusCode.Unauthorized, response.Status);
        Assert.Contains("was not accepted", await page.InnerTextAsync("[role=alert]"), StringComparison.Ordinal);
    }
}
