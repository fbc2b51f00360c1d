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
    public async Task An_admin_suspends_a_participant()
    {
        var (member, _) = await fixture.MemberAsync("buyer");
        var page = await fixture.PageAsync(locale: "en-US");
        await fixture.SignInAsync(page, fixture.Gateway.AdminKey);
        await page.GotoAsync("/console/staff/participants");

        await page.ClickAsync($"tr[data-participant='{member}'] button");

        Assert.Equal("Suspended.", await page.InnerTextAsync("[role=status]"));
        Assert.Equal("suspended", (await fixture.Admin.GetParticipantAsync(member)).Status);
    }
}
