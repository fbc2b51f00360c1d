using System.Net;
using System.Net.Http.Json;

namespace ClearingCluster.EndToEnd.Tests;

[Collection(GatewayCollection.Name)]
public sealed class ParticipantsApiTests(GatewayFixture fixture)
{
    private readonly Exchange exchange = new(fixture.Gateway, GatewayFixture.AdminKey);

    [Fact]
    public async Task Admission_goes_pending_active_suspended_and_back()
    {
        var id = Exchange.NewId("acme");

        var created = await Exchange.Ok(await exchange.Admin.PostAsJsonAsync("/v1/participants",
            new { id, name = "Acme Data 数据", roles = new[] { "provider", "buyer" }, tier = 1 }), HttpStatusCode.Created);
        Assert.Equal("pending", created.GetProperty("status").GetString());
        Assert.Equal(["buyer", "provider"], created.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.True(created.GetProperty("limits").GetProperty("maxOpenBuyValue").GetInt64() > 0);

        Assert.Equal("active", (await Exchange.Ok(await exchange.Admin.PostAsync($"/v1/participants/{id}/approve", null))).GetProperty("status").GetString());
        Assert.Equal("suspended", (await Exchange.Ok(await exchange.Admin.PostAsync($"/v1/participants/{id}/suspend", null))).GetProperty("status").GetString());
        Assert.Equal("active", (await Exchange.Ok(await exchange.Admin.PostAsync($"/v1/participants/{id}/approve", null))).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_tier_change_moves_the_limits_and_the_next_order_is_checked_against_them()
    {
        var (provider, providerClient) = await exchange.MemberAsync("tierp", "provider");
        var product = await exchange.ListedProductAsync(provider, providerClient);
        var (buyer, buyerClient) = await exchange.MemberAsync("tierb", "buyer");
        await exchange.DepositAsync(buyer, 100_000_000_000, Exchange.NewId("dep"));
        var order = new { clientOrderId = Exchange.NewId("o"), participant = buyer, product, side = "buy", price = 1, quantity = 5_000_000, scenario = "logistics" };
        var head = await exchange.LedgerHeadAsync();

        var changed = await Exchange.Ok(await exchange.Admin.PostAsJsonAsync($"/v1/participants/{buyer}/tier", new { tier = 3 }));
        Assert.Equal(3, changed.GetProperty("tier").GetInt32());
        Assert.Equal(1_000_000, changed.GetProperty("limits").GetProperty("maxOrderQuantity").GetInt64());
        await ProblemAssert.IsProblem(await buyerClient.PostAsJsonAsync("/v1/orders", order), HttpStatusCode.UnprocessableEntity, "tier_limit_exceeded");

        await Exchange.Ok(await exchange.Admin.PostAsJsonAsync($"/v1/participants/{buyer}/tier", new { tier = 2 }));
        Assert.Equal("resting", (await Exchange.Ok(await buyerClient.PostAsJsonAsync("/v1/orders", order), HttpStatusCode.Created)).GetProperty("status").GetString());
        Assert.True(await exchange.LedgerHeadAsync() > head, "the changes are on the ledger");
    }

    [Fact]
    public async Task A_tier_change_is_for_admins_to_a_tier_that_exists()
    {
        var (member, memberClient) = await exchange.MemberAsync("tierx", "buyer");

        await ProblemAssert.IsProblem(await exchange.Admin.PostAsJsonAsync($"/v1/participants/{member}/tier", new { tier = 7 }), HttpStatusCode.BadRequest, "invalid_tier");
        await ProblemAssert.IsProblem(await memberClient.PostAsJsonAsync($"/v1/participants/{member}/tier", new { tier = 1 }), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsProblem(await exchange.Admin.PostAsJsonAsync("/v1/participants/nobody-here/tier", new { tier = 1 }), HttpStatusCode.NotFound, "unknown_participant");
        Assert.Equal(2, (await Exchange.Ok(await exchange.Admin.GetAsync($"/v1/participants/{member}"))).GetProperty("tier").GetInt32());
    }

    [Fact]
    public async Task Bad_transitions_are_409_and_change_nothing()
    {
        var id = Exchange.NewId("t");
        await exchange.Admin.PostAsJsonAsync("/v1/participants", new { id, name = "T", roles = new[] { "buyer" }, tier = 3 });
        var head = await exchange.LedgerHeadAsync();

        await ProblemAssert.IsProblem(await exchange.Admin.PostAsync($"/v1/participants/{id}/suspend", null), HttpStatusCode.Conflict, "invalid_transition");
        await exchange.Admin.PostAsync($"/v1/participants/{id}/approve", null);
        await ProblemAssert.IsProblem(await exchange.Admin.PostAsync($"/v1/participants/{id}/approve", null), HttpStatusCode.Conflict, "invalid_transition");
        await ProblemAssert.IsProblem(await exchange.Admin.PostAsJsonAsync("/v1/participants",
            new { id, name = "Other name", roles = new[] { "buyer" }, tier = 3 }), HttpStatusCode.Conflict, "participant_exists");

        var profile = await Exchange.Ok(await exchange.Admin.GetAsync($"/v1/participants/{id}"));
        Assert.Equal("active", profile.GetProperty("status").GetString());
        Assert.Equal("T", profile.GetProperty("name").GetString());
        Assert.Equal(head + 1, await exchange.LedgerHeadAsync());
    }

    [Theory]
    [InlineData("""{"id":"Not Valid","name":"X","roles":["buyer"],"tier":1}""", "invalid_id")]
    [InlineData("""{"id":"ok-id-1","name":"","roles":["buyer"],"tier":1}""", "invalid_name")]
    [InlineData("""{"id":"ok-id-2","name":"X","roles":[],"tier":1}""", "invalid_roles")]
    [InlineData("""{"id":"ok-id-3","name":"X","roles":["admin"],"tier":1}""", "invalid_roles")]
    [InlineData("""{"id":"ok-id-4","name":"X","roles":["buyer"],"tier":9}""", "invalid_tier")]
    [InlineData("""{"id":"ok-id-5","name":"X","roles":["buyer"]}""", "invalid_tier")]
    [InlineData("""{"id":"ok-id-6","name":"X","roles":"buyer","tier":1}""", "malformed_json")]
    [InlineData("""not json""", "malformed_json")]
    public async Task Bad_registrations_are_400_problems_and_register_nothing(string body, string type)
    {
        var response = await Exchange.PostOversizedAsync(exchange.Admin, "/v1/participants", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        await ProblemAssert.IsProblem(response, HttpStatusCode.BadRequest, type);
        foreach (var id in new[] { "ok-id-1", "ok-id-2", "ok-id-3", "ok-id-4", "ok-id-5", "ok-id-6" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await exchange.Admin.GetAsync($"/v1/participants/{id}")).StatusCode);
        }
    }

    [Fact]
    public async Task Only_admin_admits_and_a_refused_request_changes_nothing()
    {
        var (_, buyer) = await exchange.MemberAsync("buyer", "buyer");
        var (_, regulator) = await exchange.MemberAsync("reg", "regulator");
        var target = Exchange.NewId("target");
        await exchange.Admin.PostAsJsonAsync("/v1/participants", new { id = target, name = "T", roles = new[] { "buyer" }, tier = 1 });

        await ProblemAssert.IsProblem(await exchange.Anonymous.PostAsJsonAsync("/v1/participants",
            new { id = "x1", name = "X", roles = new[] { "buyer" }, tier = 1 }), HttpStatusCode.Unauthorized, "unauthenticated");
        await ProblemAssert.IsProblem(await buyer.PostAsJsonAsync("/v1/participants",
            new { id = "x1", name = "X", roles = new[] { "buyer" }, tier = 1 }), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsProblem(await regulator.PostAsync($"/v1/participants/{target}/approve", null), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsProblem(await buyer.PostAsync($"/v1/participants/{target}/keys", null), HttpStatusCode.Forbidden, "forbidden");

        Assert.Equal(HttpStatusCode.NotFound, (await exchange.Admin.GetAsync("/v1/participants/x1")).StatusCode);
        Assert.Equal("pending", (await Exchange.Ok(await exchange.Admin.GetAsync($"/v1/participants/{target}"))).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_member_reads_only_itself_and_a_regulator_reads_everyone()
    {
        var (me, myClient) = await exchange.MemberAsync("me", "buyer");
        var (other, _) = await exchange.MemberAsync("other", "provider");
        var (_, regulator) = await exchange.MemberAsync("reg", "regulator");

        Assert.Equal(me, (await Exchange.Ok(await myClient.GetAsync($"/v1/participants/{me}"))).GetProperty("id").GetString());
        await ProblemAssert.IsProblem(await myClient.GetAsync($"/v1/participants/{other}"), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsProblem(await myClient.GetAsync("/v1/participants/no-such-member"), HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(other, (await Exchange.Ok(await regulator.GetAsync($"/v1/participants/{other}"))).GetProperty("id").GetString());
        await ProblemAssert.IsProblem(await exchange.Admin.GetAsync("/v1/participants/no-such-member"), HttpStatusCode.NotFound, "unknown_participant");
        await ProblemAssert.IsProblem(await exchange.Admin.PostAsync("/v1/participants/no-such-member/approve", null), HttpStatusCode.NotFound, "unknown_participant");
    }

    [Fact]
    public async Task A_key_is_shown_once_carries_the_members_roles_and_stops_working_when_revoked()
    {
        var (id, _) = await exchange.MemberAsync("keyed", "buyer", "intermediary");
        var issued = await Exchange.Ok(await exchange.Admin.PostAsync($"/v1/participants/{id}/keys", null), HttpStatusCode.Created);
        var key = issued.GetProperty("key").GetString()!;
        var keyId = issued.GetProperty("keyId").GetString()!;
        using var client = fixture.Gateway.Client(key);

        var me = await Exchange.Ok(await client.GetAsync("/v1/whoami"));
        Assert.Equal(id, me.GetProperty("participant").GetString());
        Assert.Equal(["buyer", "intermediary"], me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));

        await Exchange.Ok(await exchange.Admin.DeleteAsync($"/v1/participants/{id}/keys/{keyId}"));
        await ProblemAssert.IsProblem(await client.GetAsync("/v1/whoami"), HttpStatusCode.Unauthorized, "unauthenticated");
        await ProblemAssert.IsProblem(await exchange.Admin.DeleteAsync($"/v1/participants/{id}/keys/key_0000"), HttpStatusCode.NotFound, "unknown_key");
        await ProblemAssert.IsProblem(await exchange.Admin.PostAsync("/v1/participants/nobody-here/keys", null), HttpStatusCode.NotFound, "unknown_participant");
    }

    [Fact]
    public async Task A_suspended_member_can_read_but_not_list_products()
    {
        var (id, client) = await exchange.MemberAsync("susp", "provider");
        await Exchange.Ok(await exchange.Admin.PostAsync($"/v1/participants/{id}/suspend", null));

        Assert.Equal("suspended", (await Exchange.Ok(await client.GetAsync($"/v1/participants/{id}"))).GetProperty("status").GetString());
        await Exchange.Ok(await client.GetAsync($"/v1/accounts/{id}"));
        var product = Exchange.NewId("prod");
        await ProblemAssert.IsProblem(await client.PostAsJsonAsync("/v1/products", Exchange.Product(product, id)), HttpStatusCode.Forbidden, "participant_not_active");
        Assert.Equal(HttpStatusCode.NotFound, (await exchange.Admin.GetAsync($"/v1/products/{product}")).StatusCode);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_refused_with_413()
    {
        var huge = new string('x', 2 * 1024 * 1024);
        var response = await Exchange.PostOversizedAsync(exchange.Admin, "/v1/participants",
            new StringContent($$"""{"id":"huge","name":"{{huge}}","roles":["buyer"],"tier":1}""", System.Text.Encoding.UTF8, "application/json"));

        await ProblemAssert.IsProblem(response, HttpStatusCode.RequestEntityTooLarge, "body_too_large");
        Assert.Equal(HttpStatusCode.NotFound, (await exchange.Admin.GetAsync("/v1/participants/huge")).StatusCode);
    }
}
