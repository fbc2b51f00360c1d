using System.Net;
using ClearingCluster.Client;
using ClearingCluster.Wire;

namespace ClearingCluster.Console.Tests;

/// <summary>
/// The console's work in a real browser: a member places and cancels an order and opens a statement (and not another
/// member's); staff approve a participant and a listing and run a whole cycle, settling after a confirmation; a
/// regulator verifies the ledger.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleWorkflowTests(ConsoleFixture fixture)
{
    [Fact]
    public async Task A_member_places_an_order_and_cancels_it()
    {
        var (_, _, product) = await fixture.ProductAsync(listed: true);
        var (_, key) = await fixture.MemberAsync("buyer", deposit: 10_000_000);
        var page = await fixture.PageAsync(locale: "en-US");
        await fixture.SignInAsync(page, key);

        await page.ClickAsync("a[href='/console/orders']");
        await page.FillAsync("input[name=product]", product);
        await page.SelectOptionAsync("select[name=side]", "buy");
        await page.FillAsync("input[name=price]", "5");
        await page.FillAsync("input[name=quantity]", "10");
        await page.FillAsync("input[name=scenario]", "forecast");
        await page.ClickAsync("form:has(input[name=product]) button[type=submit]");

        Assert.Equal("The order is placed.", await page.InnerTextAsync("[role=status]"));
        var row = page.Locator("tr[data-order]").First;
        Assert.Equal("resting", await row.Locator("[data-field=status]").InnerTextAsync());

        await row.Locator("button").ClickAsync();

        Assert.Equal("The order is cancelled.", await page.InnerTextAsync("[role=status]"));
        Assert.Equal("cancelled", await page.Locator("tr[data-order]").First.Locator("[data-field=status]").InnerTextAsync());
    }

    [Fact]
    public async Task An_order_the_exchange_refuses_shows_its_reason_and_changes_nothing()
    {
        var (_, _, product) = await fixture.ProductAsync(listed: true);
        var (_, key) = await fixture.MemberAsync("buyer", deposit: 10);
        var page = await fixture.PageAsync(locale: "en-US");
        await fixture.SignInAsync(page, key);
        await page.GotoAsync("/console/orders");

        await page.FillAsync("input[name=product]", product);
        await page.FillAsync("input[name=price]", "5");
        await page.FillAsync("input[name=quantity]", "10");
        await page.FillAsync("input[name=scenario]", "forecast");
        var response = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("form:has(input[name=product]) button[type=submit]"),
            r => r.Request.Method == "POST");

        Assert.Equal((int)HttpStatusCode.UnprocessableEntity, response.Status);
        Assert.Contains("insufficient_funds", await page.InnerTextAsync("[role=alert]"), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("tr[data-order]").CountAsync());
    }

    [Fact]
    public async Task Staff_approve_a_participant_and_a_listing()
    {
        var pending = $"pend-{Guid.NewGuid():N}"[..20];
        await fixture.Admin.RegisterParticipantAsync(new RegisterParticipantRequest(pending, "Pending Ltd", ["buyer"], 2));
        var (_, _, product) = await fixture.ProductAsync(listed: false);
        var page = await fixture.PageAsync(locale: "en-US");
        await fixture.SignInAsync(page, fixture.Gateway.AdminKey);

        await page.GotoAsync("/console/staff/participants");
        await page.ClickAsync($"tr[data-participant='{pending}'] form[action*=Approve] button");
        Assert.Equal("Approved.", await page.InnerTextAsync("[role=status]"));
        Assert.Equal("active", (await fixture.Admin.GetParticipantAsync(pending)).Status);

        await page.GotoAsync("/console/staff/products");
        await page.FillAsync($"tr[data-product='{product}'] input[name=note]", "documentation complete");
        await page.ClickAsync($"tr[data-product='{product}'] button[value=true]");
        Assert.Equal("Approved.", await page.InnerTextAsync("[role=status]"));
        var listed = await fixture.Admin.GetProductAsync(product);
        Assert.Equal(("listed", "documentation complete"), (listed.Status, listed.ReviewNote));
    }

    [Fact]
    public async Task Staff_run_a_whole_cycle_settling_after_a_confirmation_and_the_member_opens_its_statement()
    {
        // A contract with usage in the open cycle, so the buyer's statement has money moving.
        var (provider, providerKey, product) = await fixture.ProductAsync(listed: true);
        var (buyer, buyerKey) = await fixture.MemberAsync("buyer", deposit: 3_000_000);
        using (var providerClient = new ClearingClient(fixture.Gateway.Address, providerKey))
        using (var buyerClient = new ClearingClient(fixture.Gateway.Address, buyerKey))
        {
            await providerClient.PlaceOrderAsync(new OrderRequest("ask-1", provider, product, "sell", Price: 1_000, Quantity: 100));
            var bought = await buyerClient.PlaceOrderAsync(new OrderRequest("bid-1", buyer, product, "buy", Price: 1_000, Quantity: 100, Scenario: "forecast"));
            var contract = Assert.Single(bought.Contracts);
            await buyerClient.SubmitUsageAsync(new UsageBatchRequest("console-test", 1,
                [new UsageRecordRequest("call-1", contract, DateTimeOffset.UtcNow, 40)]));
        }
        var (staff, staffKey) = await fixture.MemberAsync("clearing");
        var page = await fixture.PageAsync(locale: "en-US");
        await fixture.SignInAsync(page, staffKey);
        var open = (await fixture.Admin.ListCyclesAsync(limit: 1)).Cycles[0].CycleId;

        await page.GotoAsync("/console/staff/cycles");
        await page.ClickAsync("form:has(button) >> text=Cut off the open cycle");
        Assert.Equal("The cycle is cut off.", await page.InnerTextAsync("[role=status]"));
        await page.ClickAsync($"tr[data-cycle='{open}'] button");
        Assert.Equal("The cycle is computed.", await page.InnerTextAsync("[role=status]"));
        await page.ClickAsync($"tr[data-cycle='{open}'] a");
        Assert.Contains("cannot be undone", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        // The report's nets as a chart: the buyer pays, its provider receives.
        Assert.Contains(buyer, await page.InnerHTMLAsync("svg.nets"), StringComparison.Ordinal);
        Assert.Contains(provider, await page.InnerHTMLAsync("svg.nets"), StringComparison.Ordinal);
        Assert.Equal("computed", (await fixture.Admin.GetCycleAsync(open)).Status);
        await page.ClickAsync("main form button[type=submit]");
        Assert.Equal("The cycle is settled.", await page.InnerTextAsync("[role=status]"));
        Assert.Equal("settled", await page.InnerTextAsync($"tr[data-cycle='{open}'] [data-field=status]"));
        Assert.NotEqual(staff, buyer);

        // A correction against the settled cycle: the provider refunds 1,000 µ¥, posted in the next cycle.
        await page.ClickAsync($"tr[data-cycle='{open}'] summary");
        await page.FillAsync($"tr[data-cycle='{open}'] input[name=from]", provider);
        await page.FillAsync($"tr[data-cycle='{open}'] input[name=to]", buyer);
        await page.FillAsync($"tr[data-cycle='{open}'] input[name=amount]", "1000");
        await page.FillAsync($"tr[data-cycle='{open}'] input[name=reason]", "disputed call refunded");
        await page.ClickAsync($"tr[data-cycle='{open}'] details button[type=submit]");
        Assert.Equal("The adjustment is recorded; it posts in the next cycle.", await page.InnerTextAsync("[role=status]"));
        var recorded = Assert.Single((await fixture.Admin.ListAdjustmentsAsync(open)).Adjustments, a => a.From == provider);
        Assert.Equal((buyer, 1000L), (recorded.To, recorded.Amount));

        // The provider's revenue for the cycle, on its statement.
        var seller = await fixture.PageAsync(locale: "en-US");
        await fixture.SignInAsync(seller, providerKey);
        await seller.GotoAsync($"/console/statements?cycle={open}");
        Assert.Contains("Revenue as provider", await seller.InnerTextAsync("[data-field=revenue]"), StringComparison.Ordinal);

        var member = await fixture.PageAsync(locale: "en-US");
        await fixture.SignInAsync(member, buyerKey);
        await member.GotoAsync("/console/statements");
        await member.FillAsync("input[name=cycle]", open);
        await member.ClickAsync("main form button[type=submit]");
        // 3 ¥ deposited, 100 calls at 1,000 µ¥ (0.1 ¥) in escrow, 40 used and paid: 2.90 ¥ available, 0.06 ¥ still in escrow.
        Assert.Equal("¥2.90", await member.InnerTextAsync("tr[data-row=closing] td >> nth=0"));
        Assert.Equal("¥0.06", await member.InnerTextAsync("tr[data-row=closing] td >> nth=2"));
        Assert.Contains("40", await member.InnerTextAsync("main table >> nth=2"), StringComparison.Ordinal);
        var download = await member.RunAndWaitForDownloadAsync(() => member.ClickAsync("a[download]"));
        Assert.Equal($"statement-{buyer}-{open}.csv", download.SuggestedFilename);
        var csv = await File.ReadAllTextAsync(await download.PathAsync());
        Assert.Contains("contract,", csv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_member_asking_for_another_members_statement_is_refused_by_the_server()
    {
        var (other, _) = await fixture.MemberAsync("buyer", deposit: 1_000_000);
        var (_, key) = await fixture.MemberAsync("buyer");
        var page = await fixture.PageAsync();
        await fixture.SignInAsync(page, key);

        var response = await page.GotoAsync($"/console/statements?cycle=c1&account={other}");
        Assert.Equal((int)HttpStatusCode.Forbidden, response!.Status);
        Assert.Equal(0, await page.Locator("tr[data-row]").CountAsync());

        var csv = await page.GotoAsync($"/console/statements/csv?cycle=c1&account={other}");
        Assert.Equal((int)HttpStatusCode.Forbidden, csv!.Status);
    }

    [Fact]
    public async Task A_regulator_sees_the_first_bad_entry_of_a_ledger_edited_in_the_database()
    {
        var (member, _) = await fixture.MemberAsync("buyer", deposit: 7_000);
        var (_, regulatorKey) = await fixture.MemberAsync("regulator");
        var page = await fixture.PageAsync(locale: "en-US");
        await fixture.SignInAsync(page, regulatorKey);
        var eventId = $"account.deposit/{member}/{member}-deposit";
        await using var connection = new Npgsql.NpgsqlConnection(fixture.Gateway.DatabaseConnectionString);
        await connection.OpenAsync();
        async Task<object?> ExecuteAsync(string sql, params object[] values)
        {
            await using var command = new Npgsql.NpgsqlCommand(sql, connection);
            foreach (var value in values)
            {
                command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = value });
            }
            return await command.ExecuteScalarAsync();
        }
        var seq = (long)(await ExecuteAsync("SELECT seq FROM ledger_entries WHERE event_id = $1", eventId))!;
        var original = (string)(await ExecuteAsync("SELECT payload::text FROM ledger_entries WHERE event_id = $1", eventId))!;
        try
        {
            await ExecuteAsync("UPDATE ledger_entries SET payload = jsonb_set(payload, '{amount}', '999999') WHERE event_id = $1", eventId);

            await page.GotoAsync("/console/regulator/ledger");

            Assert.Equal("bad", await page.GetAttributeAsync("[data-verdict]", "data-verdict"));
            Assert.Contains($"#{seq}", await page.InnerTextAsync("[data-verdict]"), StringComparison.Ordinal);
        }
        finally
        {
            // The shared exchange's ledger as it was, for the other tests.
            await ExecuteAsync("UPDATE ledger_entries SET payload = $2::jsonb WHERE event_id = $1", eventId, original);
        }
        await page.ReloadAsync();
        Assert.Equal("ok", await page.GetAttributeAsync("[data-verdict]", "data-verdict"));
    }

    [Fact]
    public async Task A_regulator_verifies_the_ledger_and_a_member_may_not()
    {
        var (_, regulatorKey) = await fixture.MemberAsync("regulator");
        var page = await fixture.PageAsync(locale: "en-US");
        await fixture.SignInAsync(page, regulatorKey);

        await page.ClickAsync("a[href='/console/regulator/ledger']");

        Assert.Equal("ok", await page.GetAttributeAsync("[data-verdict]", "data-verdict"));
        var verified = await fixture.Admin.VerifyLedgerAsync();
        Assert.True(long.Parse(await page.InnerTextAsync("[data-field=entries]"), System.Globalization.CultureInfo.InvariantCulture) <= verified.Entries);

        var (_, memberKey) = await fixture.MemberAsync("buyer");
        var member = await fixture.PageAsync();
        await fixture.SignInAsync(member, memberKey);
        var refused = await member.GotoAsync("/console/regulator/ledger");
        Assert.Equal((int)HttpStatusCode.Forbidden, refused!.Status);
    }
}
