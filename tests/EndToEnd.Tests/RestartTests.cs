using System.Net.Http.Json;

namespace ClearingCluster.EndToEnd.Tests;

[Collection(GatewayCollection.Name)]
public sealed class RestartTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Everything_survives_a_restart_of_the_whole_system()
    {
        var database = await fixture.Postgres.CreateDatabaseAsync();
        string member, product, key, accountBefore, productBefore, verifyBefore;
        await using (var first = GatewayFactory.Start(database, GatewayFixture.AdminKey))
        {
            var exchange = new Exchange(first, GatewayFixture.AdminKey);
            HttpClient client;
            (member, client) = await exchange.MemberAsync("durable", "provider", "buyer");
            key = await exchange.KeyAsync(member);
            product = await exchange.ListedProductAsync(member, client);
            await exchange.DepositAsync(member, 7_000_000, "r-1");
            await exchange.FundVouchersAsync(10);
            await Exchange.Ok(await exchange.Admin.PostAsJsonAsync("/v1/vouchers", new
            {
                id = "rv", participant = member, amount = 10, categories = new[] { "geo" }, expires = "2030-01-01T00:00:00Z", reference = "rv",
            }), System.Net.HttpStatusCode.Created);
            accountBefore = (await exchange.AccountAsync(member)).ToString();
            productBefore = (await Exchange.Ok(await exchange.Admin.GetAsync($"/v1/products/{product}"))).ToString();
            verifyBefore = (await Exchange.Ok(await exchange.Admin.GetAsync("/v1/ledger/verify"))).ToString();
        }

        await using var second = GatewayFactory.Start(database, GatewayFixture.AdminKey);
        var again = new Exchange(second, GatewayFixture.AdminKey);
        Assert.Equal(accountBefore, (await again.AccountAsync(member)).ToString());
        Assert.Equal(productBefore, (await Exchange.Ok(await again.Admin.GetAsync($"/v1/products/{product}"))).ToString());
        Assert.Equal(verifyBefore, (await Exchange.Ok(await again.Admin.GetAsync("/v1/ledger/verify"))).ToString());
        Assert.Equal("active", (await Exchange.Ok(await again.Admin.GetAsync($"/v1/participants/{member}"))).GetProperty("status").GetString());
        using var memberClient = second.Client(key);
        await Exchange.Ok(await memberClient.GetAsync($"/v1/accounts/{member}"));

        // A repeated deposit after the restart is still recognised: it moves nothing.
        await again.DepositAsync(member, 7_000_000, "r-1");
        Assert.Equal(7_000_000, (await again.AccountAsync(member)).GetProperty("available").GetInt64());
        // And the chain goes on from where it was.
        await again.DepositAsync(member, 1, "r-2");
        Assert.True((await Exchange.Ok(await again.Admin.GetAsync("/v1/ledger/verify"))).GetProperty("ok").GetBoolean());
    }
}
