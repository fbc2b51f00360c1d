using System.Net;
using System.Text;
using ClearingCluster.Client;
using ClearingCluster.Wire;

namespace ClearingCluster.EndToEnd.Tests;

/// <summary>
/// One rule for every body: a property given twice and a number sent as a string are refused with 400, the detail
/// names the field, and nothing changes. Each body-taking route is tried with both.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class StrictJsonTests(GatewayFixture fixture)
{
    private readonly Exchange exchange = new(fixture.Gateway, GatewayFixture.AdminKey);

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task RefusedAsync(HttpResponseMessage response, string type, string field)
    {
        var detail = await ProblemAssert.IsProblem(response, HttpStatusCode.BadRequest, type);
        Assert.Contains(field, detail);
    }

    [Fact]
    public async Task Duplicate_properties_and_numbers_as_strings_are_refused_on_every_body_and_change_nothing()
    {
        var (provider, providerHttp) = await exchange.MemberAsync("jprov", "provider");
        var (buyer, buyerHttp) = await exchange.MemberAsync("jbuy", "buyer");
        var (gateway, _) = await exchange.MemberAsync("jgw", "gateway");
        await exchange.DepositAsync(buyer, 1_000_000, "funding");
        var product = await exchange.ListedProductAsync(provider, providerHttp);
        var resting = await new ClearingClient(buyerHttp).PlaceOrderAsync(
            new OrderRequest("j-rest", buyer, product, "buy", Price: 100, Quantity: 10, Scenario: "credit-risk"));
        var admin = exchange.Admin;
        var id = Exchange.NewId("jnew");

        var cases = new (HttpClient Client, string Path, string Body, string Type, string Field)[]
        {
            (admin, "/v1/participants", $$"""{"id":"{{id}}","name":"A","roles":["buyer"],"tier":1,"tier":3}""", "malformed_json", "tier"),
            (admin, "/v1/participants", $$"""{"id":"{{id}}","name":"A","roles":["buyer"],"tier":"1"}""", "malformed_json", "tier"),
            (buyerHttp, $"/v1/participants/{buyer}/gateways", $$"""{"gateway":"{{gateway}}","gateway":"other"}""", "malformed_json", "gateway"),
            (admin, $"/v1/accounts/{buyer}/deposits", """{"amount":100,"amount":200000000,"reference":"dup-1"}""", "malformed_json", "amount"),
            (admin, $"/v1/accounts/{buyer}/deposits", """{"amount":"100","reference":"str-1"}""", "malformed_json", "amount"),
            (admin, $"/v1/accounts/{buyer}/withdrawals", """{"amount":1,"amount":900000,"reference":"dup-2"}""", "malformed_json", "amount"),
            (admin, $"/v1/accounts/{buyer}/withdrawals", """{"amount":"1","reference":"str-2"}""", "malformed_json", "amount"),
            (providerHttp, "/v1/products", $$"""{"id":"{{id}}","provider":"{{provider}}","name":"A","name":"B","kind":"api","unit":"call","category":"geo","scenarios":["s"],"delivery":"api"}""", "malformed_json", "name"),
            (admin, $"/v1/products/{product}/review", """{"approve":true,"approve":false}""", "malformed_json", "approve"),
            (admin, $"/v1/products/{product}/suspend", """{"note":"a","note":"b"}""", "malformed_json", "note"),
            (admin, $"/v1/products/{product}/reinstate", """{"note":"a","note":"b"}""", "malformed_json", "note"),
            (admin, $"/v1/products/{product}/delist", """{"note":"a","note":"b"}""", "malformed_json", "note"),
            (admin, "/v1/vouchers", $$"""{"id":"v-{{id}}","participant":"{{buyer}}","amount":1,"amount":99999999,"categories":["geo"],"expires":"2030-01-01T00:00:00Z","reference":"v-dup"}""", "malformed_json", "amount"),
            (admin, "/v1/vouchers", $$"""{"id":"v-{{id}}","participant":"{{buyer}}","amount":"1","categories":["geo"],"expires":"2030-01-01T00:00:00Z","reference":"v-str"}""", "malformed_json", "amount"),
            (buyerHttp, "/v1/orders", $$"""{"clientOrderId":"j-1","participant":"{{buyer}}","product":"{{product}}","side":"buy","price":100,"quantity":1,"quantity":5000,"scenario":"credit-risk"}""", "bad_order", "quantity"),
            (buyerHttp, "/v1/orders", $$"""{"clientOrderId":"j-2","participant":"{{buyer}}","product":"{{product}}","side":"buy","price":"100","quantity":1,"scenario":"credit-risk"}""", "bad_order", "price"),
            (buyerHttp, $"/v1/orders/{resting.OrderId}/reduce", """{"remaining":5,"remaining":1}""", "malformed_json", "remaining"),
            (buyerHttp, $"/v1/orders/{resting.OrderId}/reduce", """{"remaining":"5"}""", "malformed_json", "remaining"),
            (buyerHttp, "/v1/usage", """{"producer":"p","sequence":1,"sequence":2,"records":[{"callId":"c","contract":"K","at":"2026-11-21T08:00:00Z","units":1}]}""", "bad_batch", "sequence"),
            (buyerHttp, "/v1/usage", """{"producer":"p","sequence":"1","records":[{"callId":"c","contract":"K","at":"2026-11-21T08:00:00Z","units":1}]}""", "bad_batch", "sequence"),
        };

        foreach (var (client, path, body, type, field) in cases)
        {
            await RefusedAsync(await client.PostAsync(path, Json(body)), type, field);
        }
        // In a batch each such order refuses only itself, naming its field.
        var batch = await Exchange.Ok(await buyerHttp.PostAsync("/v1/orders/batch", Json($$"""
            [{"clientOrderId":"jb-1","participant":"{{buyer}}","product":"{{product}}","side":"buy","price":100,"quantity":1,"quantity":9,"scenario":"credit-risk"},
             {"clientOrderId":"jb-2","participant":"{{buyer}}","product":"{{product}}","side":"buy","price":"100","quantity":1,"scenario":"credit-risk"}]
            """)));
        Assert.All(batch.GetProperty("results").EnumerateArray().Zip(["quantity", "price"]), r =>
        {
            Assert.Equal(400, r.First.GetProperty("status").GetInt32());
            Assert.Equal("urn:clearing:problem:bad_order", r.First.GetProperty("problem").GetProperty("type").GetString());
            Assert.Contains(r.Second, r.First.GetProperty("problem").GetProperty("detail").GetString());
        });

        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/v1/participants/{id}")).StatusCode);
        var account = await exchange.Staff.GetAccountAsync(buyer);
        Assert.Equal((1_000_000 - 100 * 10, 100 * 10, 0), (account.Available, account.Held, account.Vouchers.Count));
        Assert.Equal(10, (await exchange.Staff.GetOrderAsync(resting.OrderId)).Remaining);
        Assert.Equal("listed", (await exchange.Staff.GetProductAsync(product)).Status);
        Assert.Empty((await exchange.Staff.GetParticipantAsync(buyer)).Gateways);
    }

    [Fact]
    public async Task One_rule_one_answer_bounds_are_refused_not_clamped_and_unknowns_are_404()
    {
        var (provider, providerHttp) = await exchange.MemberAsync("jprov", "provider");
        var (buyer, buyerHttp) = await exchange.MemberAsync("jbuy", "buyer");
        var product = await exchange.ListedProductAsync(provider, providerHttp);

        foreach (var depth in new[] { 0, 101 })
        {
            await ProblemAssert.IsProblem(await buyerHttp.GetAsync($"/v1/products/{product}/book?depth={depth}"), HttpStatusCode.BadRequest, "invalid_depth");
        }
        await ProblemAssert.IsProblem(await exchange.Admin.GetAsync("/v1/ledger/entries?limit=0"), HttpStatusCode.BadRequest, "invalid_page");
        await ProblemAssert.IsProblem(await exchange.Admin.GetAsync("/v1/participants/nobody-at-all/contracts"), HttpStatusCode.NotFound, "unknown_participant");
        await ProblemAssert.IsProblem(await buyerHttp.GetAsync("/v1/participants/nobody-at-all/contracts"), HttpStatusCode.Forbidden, "forbidden");
        // A field's refusal is named in snake case, whatever the field's JSON name.
        await ProblemAssert.IsProblem(await buyerHttp.PostAsync("/v1/orders", Json($$"""
            {"clientOrderId":"j-tif","participant":"{{buyer}}","product":"{{product}}","side":"buy","price":100,"quantity":1,"timeInForce":"forever","scenario":"credit-risk"}
            """)), HttpStatusCode.BadRequest, "invalid_time_in_force");
        await ProblemAssert.IsProblem(await buyerHttp.PostAsync("/v1/orders", Json($$"""
            {"clientOrderId":"j-vd","participant":"{{buyer}}","product":"{{product}}","side":"buy","price":100,"quantity":1,"validityDays":0,"scenario":"credit-risk"}
            """)), HttpStatusCode.BadRequest, "invalid_validity_days");
        // A bound is one rule whichever side it is broken on: the same type and status for too low and too high.
        foreach (var price in new[] { 0L, 10_000_000_001L })
        {
            await ProblemAssert.IsProblem(await buyerHttp.PostAsync("/v1/orders", Json($$"""
                {"clientOrderId":"j-p{{price}}","participant":"{{buyer}}","product":"{{product}}","side":"buy","price":{{price}},"quantity":1,"scenario":"credit-risk"}
                """)), HttpStatusCode.BadRequest, "invalid_price");
        }
        foreach (var quantity in new[] { 0L, 1_000_000_001L })
        {
            await ProblemAssert.IsProblem(await buyerHttp.PostAsync("/v1/orders", Json($$"""
                {"clientOrderId":"j-q{{quantity}}","participant":"{{buyer}}","product":"{{product}}","side":"buy","price":1,"quantity":{{quantity}},"scenario":"credit-risk"}
                """)), HttpStatusCode.BadRequest, "invalid_quantity");
        }
    }
}
