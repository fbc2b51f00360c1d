using System.Text.Json;
using System.Net;
using System.Net.Http.Json;

namespace ClearingCluster.EndToEnd.Tests;

[Collection(GatewayCollection.Name)]
public sealed class AccountsApiTests(GatewayFixture fixture)
{
    private readonly Exchange exchange = new(fixture.Gateway, GatewayFixture.AdminKey);

    [Fact]
    public async Task Deposits_and_withdrawals_move_money_once_per_reference()
    {
        var (id, _) = await exchange.MemberAsync("payer", "buyer");

        var first = await exchange.DepositAsync(id, 5_000_000, "bank-001");
        var repeat = await exchange.DepositAsync(id, 5_000_000, "bank-001");
        Assert.Equal(5_000_000, first.Available);
        Assert.Equal(JsonSerializer.Serialize(first), JsonSerializer.Serialize(repeat));

        var after = await Exchange.Ok(await exchange.Admin.PostAsJsonAsync($"/v1/accounts/{id}/withdrawals", new { amount = 1_500_000, reference = "out-1" }));
        Assert.Equal(3_500_000, after.GetProperty("available").GetInt64());
        Assert.Equal(0, after.GetProperty("reserved").GetInt64());
        Assert.Equal(3_500_000, (await exchange.AccountAsync(id)).GetProperty("available").GetInt64());
    }

    [Fact]
    public async Task Refused_movements_change_nothing()
    {
        var (id, member) = await exchange.MemberAsync("careful", "buyer");
        var (_, regulator) = await exchange.MemberAsync("reg", "regulator");
        await exchange.DepositAsync(id, 1_000_000, "d-1");
        var head = await exchange.LedgerHeadAsync();

        await ProblemAssert.IsProblem(await exchange.Admin.PostAsJsonAsync($"/v1/accounts/{id}/withdrawals", new { amount = 1_000_001, reference = "w-1" }),
            HttpStatusCode.UnprocessableEntity, "insufficient_funds");
        await ProblemAssert.IsProblem(await exchange.Admin.PostAsJsonAsync($"/v1/accounts/{id}/deposits", new { amount = 2_000_000, reference = "d-1" }),
            HttpStatusCode.Conflict, "reference_reused");
        await ProblemAssert.IsProblem(await exchange.Admin.PostAsJsonAsync($"/v1/accounts/{id}/deposits", new { amount = 0, reference = "d-2" }),
            HttpStatusCode.BadRequest, "invalid_amount");
        await ProblemAssert.IsProblem(await exchange.Admin.PostAsJsonAsync($"/v1/accounts/{id}/deposits", new { amount = 5 }),
            HttpStatusCode.BadRequest, "invalid_reference");
        await ProblemAssert.IsProblem(await member.PostAsJsonAsync($"/v1/accounts/{id}/deposits", new { amount = 5, reference = "self" }),
            HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsProblem(await regulator.PostAsJsonAsync($"/v1/accounts/{id}/deposits", new { amount = 5, reference = "reg" }),
            HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsProblem(await exchange.Admin.PostAsJsonAsync("/v1/accounts/nobody-at-all/deposits", new { amount = 5, reference = "x" }),
            HttpStatusCode.NotFound, "unknown_account");

        var account = await exchange.AccountAsync(id);
        Assert.Equal(1_000_000, account.GetProperty("available").GetInt64());
        Assert.Equal(head, await exchange.LedgerHeadAsync());
    }

    [Fact]
    public async Task A_member_reads_only_its_own_account()
    {
        var (me, client) = await exchange.MemberAsync("mine", "buyer");
        var (other, _) = await exchange.MemberAsync("theirs", "buyer");
        var (_, regulator) = await exchange.MemberAsync("reg", "regulator");

        Assert.Equal(me, (await Exchange.Ok(await client.GetAsync($"/v1/accounts/{me}"))).GetProperty("id").GetString());
        await ProblemAssert.IsProblem(await client.GetAsync($"/v1/accounts/{other}"), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsProblem(await client.GetAsync("/v1/accounts/exchange"), HttpStatusCode.Forbidden, "forbidden");
        await Exchange.Ok(await regulator.GetAsync($"/v1/accounts/{other}"));
        await Exchange.Ok(await regulator.GetAsync("/v1/accounts/exchange"));
        Assert.True((await exchange.AccountAsync("voucher-fund")).GetProperty("available").GetInt64() >= 0);
    }

    [Fact]
    public async Task Vouchers_show_on_the_account_once_per_id()
    {
        var (id, client) = await exchange.MemberAsync("vouchee", "buyer");
        await exchange.FundVouchersAsync(2_000_000);
        var voucher = new { id = "dv-2026-001", participant = id, amount = 2_000_000, categories = new[] { "geo", "credit" }, expires = "2027-06-30T00:00:00Z", reference = "gov-1" };

        var (provider, _) = await exchange.MemberAsync("vprov", "provider");
        await ProblemAssert.IsProblem(await exchange.Admin.PostAsJsonAsync("/v1/vouchers", voucher with { participant = provider }), HttpStatusCode.UnprocessableEntity,
            "not_a_buyer");
        var issued = await Exchange.Ok(await exchange.Admin.PostAsJsonAsync("/v1/vouchers", voucher), HttpStatusCode.Created);
        var again = await Exchange.Ok(await exchange.Admin.PostAsJsonAsync("/v1/vouchers", voucher), HttpStatusCode.Created);

        // The answer is the voucher; a repeat returns it unchanged.
        Assert.Equal(issued.ToString(), again.ToString());
        Assert.Equal(("dv-2026-001", 2_000_000L), (issued.GetProperty("id").GetString(), issued.GetProperty("remaining").GetInt64()));
        var shown = (await Exchange.Ok(await client.GetAsync($"/v1/accounts/{id}"))).GetProperty("vouchers").EnumerateArray().Single();
        Assert.Equal("voucher-fund", shown.GetProperty("issuer").GetString());
        Assert.Equal(2_000_000, shown.GetProperty("remaining").GetInt64());
        Assert.Equal(["credit", "geo"], shown.GetProperty("categories").EnumerateArray().Select(c => c.GetString()));

        await ProblemAssert.IsProblem(await exchange.Admin.PostAsJsonAsync("/v1/vouchers", voucher with { amount = 3_000_000 }), HttpStatusCode.Conflict, "voucher_exists");
        await ProblemAssert.IsProblem(await exchange.Admin.PostAsJsonAsync("/v1/vouchers", voucher with { reference = "gov-2" }), HttpStatusCode.Conflict, "voucher_exists");
        // A voucher id is exchange-wide: the same id for another buyer is another voucher, refused.
        var (otherBuyer, _) = await exchange.MemberAsync("vouchee2", "buyer");
        await ProblemAssert.IsProblem(await exchange.Admin.PostAsJsonAsync("/v1/vouchers", voucher with { participant = otherBuyer }), HttpStatusCode.Conflict, "voucher_exists");
        Assert.Empty((await exchange.AccountAsync(otherBuyer)).GetProperty("vouchers").EnumerateArray());
        await ProblemAssert.IsProblem(await exchange.Admin.PostAsJsonAsync("/v1/vouchers", voucher with { id = "dv-old", expires = "2020-01-01T00:00:00Z" }), HttpStatusCode.BadRequest, "invalid_expires");
        await ProblemAssert.IsProblem(await exchange.Admin.PostAsJsonAsync("/v1/vouchers", voucher with { id = "dv-x", participant = "nobody-here" }), HttpStatusCode.NotFound, "unknown_account");
        await ProblemAssert.IsProblem(await exchange.Admin.PostAsJsonAsync("/v1/vouchers", new { voucher.id, voucher.participant, voucher.amount, voucher.categories, voucher.expires, voucher.reference, issuer = "nobody-here" }),
            HttpStatusCode.UnprocessableEntity, "unknown_issuer");
        await ProblemAssert.IsProblem(await client.PostAsJsonAsync("/v1/vouchers", voucher with { id = "dv-self" }), HttpStatusCode.Forbidden, "forbidden");

        Assert.Single((await exchange.AccountAsync(id)).GetProperty("vouchers").EnumerateArray());
    }
}
