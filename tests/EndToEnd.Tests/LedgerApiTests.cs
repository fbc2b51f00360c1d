using System.Net;
using System.Net.Http.Json;
using Npgsql;

namespace ClearingCluster.EndToEnd.Tests;

[Collection(GatewayCollection.Name)]
public sealed class LedgerApiTests(GatewayFixture fixture)
{
    private readonly Exchange exchange = new(fixture.Gateway, GatewayFixture.AdminKey);

    [Fact]
    public async Task Admissions_listings_vouchers_and_money_movements_are_on_the_chain_and_it_verifies()
    {
        var (provider, client) = await exchange.MemberAsync("evid", "provider", "buyer");
        var product = await exchange.ListedProductAsync(provider, client);
        await exchange.DepositAsync(provider, 900, "ev-dep");
        await Exchange.Ok(await exchange.Admin.PostAsJsonAsync($"/v1/accounts/{provider}/withdrawals", new { amount = 100, reference = "ev-wd" }));
        await exchange.FundVouchersAsync(50);
        await Exchange.Ok(await exchange.Admin.PostAsJsonAsync("/v1/vouchers", new
        {
            id = "ev-v", participant = provider, amount = 50, categories = new[] { "geo" }, expires = "2030-01-01T00:00:00Z", reference = "ev-v",
        }), HttpStatusCode.Created);
        await Exchange.Ok(await exchange.Admin.PostAsync($"/v1/participants/{provider}/suspend", null));

        var kinds = new List<(string Kind, string Subject)>();
        long after = 0;
        while (true)
        {
            var page = await Exchange.Ok(await exchange.Admin.GetAsync($"/v1/ledger/entries?after={after}&limit=50"));
            foreach (var entry in page.GetProperty("entries").EnumerateArray())
            {
                Assert.Equal(after + 1, entry.GetProperty("seq").GetInt64());
                after = entry.GetProperty("seq").GetInt64();
                kinds.Add((entry.GetProperty("kind").GetString()!, entry.GetProperty("subject").GetString()!));
            }
            if (page.GetProperty("next").ValueKind == System.Text.Json.JsonValueKind.Null)
            {
                break;
            }
        }

        Assert.Contains(("participant.registered", provider), kinds);
        Assert.Contains(("participant.admitted", provider), kinds);
        Assert.Contains(("participant.suspended", provider), kinds);
        Assert.Contains(("key.issued", provider), kinds);
        Assert.Contains(("product.submitted", product), kinds);
        Assert.Contains(("product.listed", product), kinds);
        Assert.Contains(("account.deposit", provider), kinds);
        Assert.Contains(("account.withdrawal", provider), kinds);
        Assert.Contains(("voucher.issued", provider), kinds);
        var verified = await Exchange.Ok(await exchange.Admin.GetAsync("/v1/ledger/verify"));
        Assert.True(verified.GetProperty("ok").GetBoolean(), verified.ToString());
        Assert.True(verified.GetProperty("entries").GetInt64() >= after);
    }

    [Fact]
    public async Task Regulators_read_the_ledger_and_members_do_not()
    {
        var (_, regulator) = await exchange.MemberAsync("reg", "regulator");
        var (_, buyer) = await exchange.MemberAsync("buyer", "buyer");

        await Exchange.Ok(await regulator.GetAsync("/v1/ledger/verify"));
        await Exchange.Ok(await regulator.GetAsync("/v1/ledger/entries?limit=1"));
        await ProblemAssert.IsProblem(await buyer.GetAsync("/v1/ledger/entries"), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsProblem(await exchange.Admin.GetAsync("/v1/ledger/entries?limit=5000"), HttpStatusCode.BadRequest, "invalid_page");
    }

    [Fact]
    public async Task Editing_one_row_in_the_database_is_reported_at_exactly_that_entry()
    {
        var database = await fixture.Postgres.CreateDatabaseAsync();
        await using var gateway = GatewayFactory.Start(database, GatewayFixture.AdminKey);
        var isolated = new Exchange(gateway, GatewayFixture.AdminKey);
        var (member, _) = await isolated.MemberAsync("tamper", "buyer");
        for (var i = 0; i < 5; i++)
        {
            await isolated.DepositAsync(member, 1_000 + i, $"t-{i}");
        }
        var before = await Exchange.Ok(await isolated.Admin.GetAsync("/v1/ledger/verify"));
        Assert.True(before.GetProperty("ok").GetBoolean());

        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var edit = new NpgsqlCommand(
                "UPDATE ledger_entries SET payload = jsonb_set(payload, '{amount}', '999999') WHERE event_id = $1", connection);
            edit.Parameters.Add(new NpgsqlParameter { Value = $"account.deposit/{member}/t-2" });
            Assert.Equal(1, await edit.ExecuteNonQueryAsync());
        }
        var editedSeq = (await Exchange.Ok(await isolated.Admin.GetAsync("/v1/ledger/entries?limit=100"))).GetProperty("entries")
            .EnumerateArray().Single(e => e.GetProperty("eventId").GetString() == $"account.deposit/{member}/t-2").GetProperty("seq").GetInt64();

        var after = await Exchange.Ok(await isolated.Admin.GetAsync("/v1/ledger/verify"));

        Assert.False(after.GetProperty("ok").GetBoolean());
        Assert.Equal(editedSeq, after.GetProperty("firstBadSeq").GetInt64());
    }
}
