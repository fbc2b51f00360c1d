using ClearingCluster.Client;
using ClearingCluster.Wire;

namespace ClearingCluster.Console.Tests;

/// <summary>Vouchers on a member's overview, a provider's products and resting orders, and an admin suspending a participant.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class MoreConsoleTests(ConsoleFixture fixture)
{
    [Fact]
    public async Task A_member_sees_its_vouchers_with_what_remains()
    {
        var (member, key) = await fixture.MemberAsync("buyer", deposit: 1_000_000);
        var voucher = $"v-{Guid.NewGuid():N}"[..16];
        await fixture.Admin.DepositFundsAsync("voucher-fund", 2_500_000, $"{voucher}-funding");
        await fixture.Admin.IssueVoucherAsync(new IssueVoucherRequest(voucher, member, 2_500_000, ["weather"], DateTimeOffset.UtcNow.AddDays(30), voucher));
        var page = await fixture.PageAsync(locale: "en-US");

        await fixture.SignInAsync(page, key);

        Assert.Equal("¥2.50", await page.InnerTextAsync($"tr[data-voucher='{voucher}'] [data-field=remaining]"));
    }

    [Fact]
    public async Task A_provider_sees_its_products_listing_status_and_resting_orders()
    {
        var (provider, providerKey, listed) = await fixture.ProductAsync(listed: true);
        using (var client = new ClearingClient(fixture.Gateway.Address, providerKey))
        {
            await client.SubmitProductAsync(new SubmitProductRequest($"{provider}-second", provider, "Second API", "api", "call", "weather", ["forecast"], "api"));
            await client.PlaceOrderAsync(new OrderRequest("resting-ask", provider, listed, "sell", Price: 3_000, Quantity: 40));
        }
        var page = await fixture.PageAsync(locale: "en-US");
        await fixture.SignInAsync(page, providerKey);

        await page.ClickAsync("a[href='/console/provider']");

        Assert.Equal("listed", await page.GetAttributeAsync($"tr[data-product='{listed}'] [data-field=status]", "data-status"));
        Assert.Equal("pending_review", await page.GetAttributeAsync($"tr[data-product='{provider}-second'] [data-field=status]", "data-status"));
        Assert.Contains("40", await page.InnerTextAsync("tr[data-order]"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_admin_issues_a_voucher_and_a_key_that_works_then_revokes_it()
    {
        var (member, _) = await fixture.MemberAsync("buyer");
        await fixture.Admin.DepositFundsAsync("voucher-fund", 4_000_000, $"{member}-fund");
        var page = await fixture.PageAsync(locale: "en-US");
        await fixture.SignInAsync(page, fixture.Gateway.AdminKey);

        await page.ClickAsync("a[href='/console/staff/vouchers']");
        var voucher = $"cv-{Guid.NewGuid():N}"[..16];
        await page.FillAsync("input[name=id]", voucher);
        await page.FillAsync("input[name=participant]", member);
        await page.FillAsync("input[name=amount]", "4000000");
        await page.FillAsync("input[name=categories]", "weather");
        await page.FillAsync("input[name=expires]", DateTime.UtcNow.AddDays(10).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        await page.ClickAsync("main form button[type=submit]");
        Assert.Equal("The voucher is issued.", await page.InnerTextAsync("[role=status]"));
        Assert.Contains((await fixture.Admin.GetAccountAsync(member)).Vouchers, v => v.Id == voucher && v.Remaining == 4_000_000);

        await page.ClickAsync("a[href='/console/staff/keys']");
        await page.FillAsync("form[action*=Issue] input[name=participant]", member);
        await page.ClickAsync("form[action*=Issue] button");
        var key = (await page.InnerTextAsync("#issued-key")).Trim();
        using (var asMember = new ClearingClient(fixture.Gateway.Address, key))
        {
            Assert.Equal(member, (await asMember.WhoAmIAsync()).Participant);
        }
        var keyId = (await page.InnerTextAsync("[role=status] p")).Split('(', ')')[1];

        await page.FillAsync("form[action*=Revoke] input[name=participant]", member);
        await page.FillAsync("form[action*=Revoke] input[name=keyId]", keyId);
        await page.ClickAsync("form[action*=Revoke] button");
        Assert.Equal("The key is revoked.", await page.InnerTextAsync("[role=status]"));
        using var revoked = new ClearingClient(fixture.Gateway.Address, key, new ClearingClientOptions { RetryAttemptsMax = 0 });
        var refused = await Assert.ThrowsAsync<ClearingProblemException>(() => revoked.WhoAmIAsync());
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.Status);
    }

    [Fact]
    public async Task A_regulator_reads_a_members_orders_and_contracts_and_can_change_nothing_there_while_a_member_is_refused()
    {
        var (provider, providerKey, product) = await fixture.ProductAsync(listed: true);
        using (var client = new ClearingClient(fixture.Gateway.Address, providerKey))
        {
            await client.PlaceOrderAsync(new OrderRequest("watched-ask", provider, product, "sell", Price: 2_000, Quantity: 15));
        }
        var (_, regulatorKey) = await fixture.MemberAsync("regulator");
        var page = await fixture.PageAsync(locale: "en-US");
        await fixture.SignInAsync(page, regulatorKey);

        await page.GotoAsync($"/console/orders?participant={provider}");
        Assert.Contains("15", await page.InnerTextAsync("tr[data-order]"), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("form").Filter(new() { HasText = "Place an order" }).CountAsync());
        Assert.Equal(0, await page.Locator("tr[data-order] button").CountAsync());
        Assert.Equal(200, (await page.GotoAsync($"/console/contracts?participant={provider}"))!.Status);

        var (_, memberKey) = await fixture.MemberAsync("buyer");
        var member = await fixture.PageAsync();
        await fixture.SignInAsync(member, memberKey);
        Assert.Equal(403, (await member.GotoAsync($"/console/orders?participant={provider}"))!.Status);
        Assert.Equal(403, (await member.GotoAsync($"/console/contracts?participant={provider}"))!.Status);
    }

    [Fact]
    public async Task An_admin_changes_a_participants_tier_and_suspends_it()
    {
        var (member, _) = await fixture.MemberAsync("buyer");
        var page = await fixture.PageAsync(locale: "en-US");
        await fixture.SignInAsync(page, fixture.Gateway.AdminKey);
        await page.GotoAsync("/console/staff/participants");

        await page.SelectOptionAsync($"tr[data-participant='{member}'] select[name=tier]", "3");
        await page.ClickAsync($"tr[data-participant='{member}'] form[action*=Tier] button");
        Assert.Equal("The tier is changed; its limits apply from the next order.", await page.InnerTextAsync("[role=status]"));
        Assert.Equal(3, (await fixture.Admin.GetParticipantAsync(member)).Tier);

        await page.ClickAsync($"tr[data-participant='{member}'] form[action*=Suspend] button");

        Assert.Equal("Suspended.", await page.InnerTextAsync("[role=status]"));
        Assert.Equal("suspended", (await fixture.Admin.GetParticipantAsync(member)).Status);
    }
}
