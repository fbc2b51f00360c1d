using System.Net;
using Microsoft.Playwright;

namespace ClearingCluster.Console.Tests;

/// <summary>
/// The console's session and forms: nothing without a session, a CSRF token on every form, the cookie's flags,
/// signing out and revoking a key both ending the session on the server.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleSecurityTests(ConsoleFixture fixture)
{
    private HttpClient Raw(CookieContainer? cookies = null) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies ?? new CookieContainer(), UseCookies = true })
        {
            BaseAddress = fixture.Gateway.Address,
        };

    [Theory]
    [InlineData("/console")]
    [InlineData("/console/staff/participants")]
    [InlineData("/console/staff/cycles")]
    public async Task No_page_works_without_a_session(string path)
    {
        using var http = Raw();

        var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/console/signin", response.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("/console/signin")]
    [InlineData("/console/signout")]
    [InlineData("/console/language")]
    public async Task A_form_posted_without_its_CSRF_token_is_refused(string path)
    {
        var (_, key) = await fixture.MemberAsync("buyer");
        using var http = Raw();

        var response = await http.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = key, ["language"] = "en" }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(response.Headers, h => h.Key == "Set-Cookie" && h.Value.Any(v => v.StartsWith("__Host-cc_session", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("/console/orders?handler=Place")]
    [InlineData("/console/orders?handler=Cancel")]
    [InlineData("/console/staff/participants?handler=Approve")]
    [InlineData("/console/staff/participants?handler=Suspend")]
    [InlineData("/console/staff/participants?handler=Tier")]
    [InlineData("/console/staff/products?handler=Review")]
    [InlineData("/console/staff/cycles?handler=CutOff")]
    [InlineData("/console/staff/cycles?handler=Compute")]
    [InlineData("/console/staff/cycles?handler=Adjust")]
    [InlineData("/console/staff/cycles/c1/settle")]
    [InlineData("/console/staff/vouchers")]
    [InlineData("/console/staff/keys?handler=Issue")]
    [InlineData("/console/staff/keys?handler=Revoke")]
    [InlineData("/console/signout")]
    public async Task Every_form_refuses_a_post_without_its_CSRF_token_even_in_a_valid_session(string path)
    {
        var page = await fixture.PageAsync();
        await fixture.SignInAsync(page, fixture.Gateway.AdminKey);
        var cookies = new CookieContainer();
        foreach (var cookie in await page.Context.CookiesAsync())
        {
            cookies.Add(fixture.Gateway.Address, new System.Net.Cookie(cookie.Name, cookie.Value));
        }
        using var http = Raw(cookies);
        var cycles = (await fixture.Admin.ListCyclesAsync(limit: 1)).Cycles;

        var response = await http.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string> { ["id"] = "x", ["orderId"] = "x:1", ["cycleId"] = "c1" }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(cycles[0].CycleId, (await fixture.Admin.ListCyclesAsync(limit: 1)).Cycles[0].CycleId);
    }

    [Fact]
    public async Task The_session_cookie_is_http_only_secure_strict_and_holds_no_key()
    {
        var (_, key) = await fixture.MemberAsync("buyer");
        var page = await fixture.PageAsync();

        await fixture.SignInAsync(page, key);

        var cookie = Assert.Single(await page.Context.CookiesAsync(), c => c.Name == "__Host-cc_session");
        Assert.True(cookie.HttpOnly);
        Assert.True(cookie.Secure);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.DoesNotContain(key, cookie.Value, StringComparison.Ordinal);
        Assert.Null(await page.EvaluateAsync<string?>("document.cookie.includes('cc_session') ? document.cookie : null"));
    }

    [Fact]
    public async Task Signing_out_ends_the_session_on_the_server_not_only_in_the_browser()
    {
        var (_, key) = await fixture.MemberAsync("buyer");
        var page = await fixture.PageAsync();
        await fixture.SignInAsync(page, key);
        var session = (await page.Context.CookiesAsync()).Single(c => c.Name == "__Host-cc_session").Value;

        await page.ClickAsync("form[action='/console/signout'] button");
        await ConsoleFixture.ArrivedAtAsync(page, "/console/signin");

        var cookies = new CookieContainer();
        cookies.Add(fixture.Gateway.Address, new System.Net.Cookie("__Host-cc_session", session));
        using var http = Raw(cookies);
        var replayed = await http.GetAsync("/console");
        Assert.Equal(HttpStatusCode.Redirect, replayed.StatusCode);
    }

    [Fact]
    public async Task A_revoked_key_ends_its_sessions()
    {
        var (member, _) = await fixture.MemberAsync("buyer", deposit: 1_000_000);
        var second = await fixture.Admin.IssueKeyAsync(member);
        var page = await fixture.PageAsync();
        await fixture.SignInAsync(page, second.Key);

        await fixture.Admin.RevokeKeyAsync(member, second.KeyId);
        await page.ReloadAsync();

        Assert.EndsWith("/console/signin", page.Url, StringComparison.Ordinal);
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "__Host-cc_session");
    }

    [Fact]
    public async Task Console_pages_may_not_be_framed_cached_or_run_foreign_script()
    {
        using var http = Raw();

        var response = await http.GetAsync("/console/signin");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.True(response.Headers.CacheControl?.NoStore);
    }
}
