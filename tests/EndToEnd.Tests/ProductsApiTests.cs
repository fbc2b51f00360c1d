using System.Net;
using System.Net.Http.Json;

namespace ClearingCluster.EndToEnd.Tests;

[Collection(GatewayCollection.Name)]
public sealed class ProductsApiTests(GatewayFixture fixture)
{
    private readonly Exchange exchange = new(fixture.Gateway, GatewayFixture.AdminKey);

    [Fact]
    public async Task A_provider_lists_a_product_through_review_then_it_can_be_suspended_and_delisted()
    {
        var (provider, client) = await exchange.MemberAsync("prov", "provider");
        var (_, buyer) = await exchange.MemberAsync("buyer", "buyer");
        var id = Exchange.NewId("geo");

        var submitted = await Exchange.Ok(await client.PostAsJsonAsync("/v1/products", Exchange.Product(id, provider)), HttpStatusCode.Created);
        Assert.Equal("pending_review", submitted.GetProperty("status").GetString());
        Assert.Equal("pending_review", (await Exchange.Ok(await buyer.GetAsync($"/v1/products/{id}"))).GetProperty("status").GetString());

        var listed = await Exchange.Ok(await exchange.Admin.PostAsJsonAsync($"/v1/products/{id}/review", new { approve = true, note = "合规" }));
        Assert.Equal("listed", listed.GetProperty("status").GetString());
        Assert.Equal("合规", listed.GetProperty("reviewNote").GetString());
        await ProblemAssert.IsProblem(await exchange.Admin.PostAsJsonAsync($"/v1/products/{id}/review", new { approve = false, note = "" }), HttpStatusCode.Conflict, "invalid_transition");

        Assert.Equal("suspended", (await Exchange.Ok(await exchange.Admin.PostAsJsonAsync($"/v1/products/{id}/suspend", new { note = "audit" }))).GetProperty("status").GetString());
        Assert.Equal("delisted", (await Exchange.Ok(await exchange.Admin.PostAsJsonAsync($"/v1/products/{id}/delist", new { note = "end" }))).GetProperty("status").GetString());
        await ProblemAssert.IsProblem(await exchange.Admin.PostAsJsonAsync($"/v1/products/{id}/suspend", new { note = "" }), HttpStatusCode.Conflict, "invalid_transition");
    }

    [Fact]
    public async Task A_rejected_product_is_not_delisted()
    {
        var (provider, client) = await exchange.MemberAsync("prov", "provider");
        var id = Exchange.NewId("bad");
        await Exchange.Ok(await client.PostAsJsonAsync("/v1/products", Exchange.Product(id, provider)), HttpStatusCode.Created);

        var rejected = await Exchange.Ok(await exchange.Admin.PostAsJsonAsync($"/v1/products/{id}/review", new { approve = false, note = "no compliance report" }));

        Assert.Equal("rejected", rejected.GetProperty("status").GetString());
        await ProblemAssert.IsProblem(await exchange.Admin.PostAsJsonAsync($"/v1/products/{id}/delist", new { note = "" }), HttpStatusCode.Conflict, "invalid_transition");
    }

    [Fact]
    public async Task Submissions_by_the_wrong_caller_or_with_bad_fields_are_refused_and_create_nothing()
    {
        var (provider, client) = await exchange.MemberAsync("prov", "provider");
        var (otherProvider, _) = await exchange.MemberAsync("prov2", "provider");
        var (buyerId, buyer) = await exchange.MemberAsync("buyer", "buyer");
        var id = Exchange.NewId("nope");

        await ProblemAssert.IsProblem(await buyer.PostAsJsonAsync("/v1/products", Exchange.Product(id, buyerId)), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsProblem(await client.PostAsJsonAsync("/v1/products", Exchange.Product(id, otherProvider)), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsProblem(await exchange.Admin.PostAsJsonAsync("/v1/products", Exchange.Product(id, buyerId)), HttpStatusCode.UnprocessableEntity, "not_a_provider");
        await ProblemAssert.IsProblem(await client.PostAsJsonAsync("/v1/products", new
        {
            id, provider, name = "X", kind = "api", unit = "call", category = "geo", scenarios = Array.Empty<string>(), delivery = "api",
        }), HttpStatusCode.BadRequest, "invalid_scenarios");
        var detail = await ProblemAssert.IsProblem(await client.PostAsJsonAsync("/v1/products", new
        {
            id, provider, name = "X", kind = "spreadsheet", unit = "call", category = "geo", scenarios = new[] { "s" }, delivery = "api",
        }), HttpStatusCode.BadRequest, "invalid_kind");
        Assert.Contains("algorithm, api, compute, dataset", detail);
        await ProblemAssert.IsProblem(await buyer.PostAsJsonAsync($"/v1/products/{id}/review", new { approve = true, note = "" }), HttpStatusCode.Forbidden, "forbidden");

        await ProblemAssert.IsProblem(await exchange.Admin.GetAsync($"/v1/products/{id}"), HttpStatusCode.NotFound, "unknown_product");
        await ProblemAssert.IsProblem(await exchange.Admin.PostAsJsonAsync($"/v1/products/{id}/review", new { approve = true, note = "" }), HttpStatusCode.NotFound, "unknown_product");
        await ProblemAssert.IsProblem(await exchange.Anonymous.GetAsync($"/v1/products/{id}"), HttpStatusCode.Unauthorized, "unauthenticated");
    }
}
