using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClearingCluster.Client;
using ClearingCluster.Wire;

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

    private static object Shared(string id, string provider, params object[] shares) => new
    {
        id,
        provider,
        name = "Geo API",
        kind = "api",
        unit = "call",
        category = "geo",
        scenarios = new[] { "credit-risk" },
        delivery = "api",
        revenueShares = shares,
    };

    private static object Share(string intermediary, string role, int basisPoints) => new { intermediary, role, basisPoints };

    private static IEnumerable<(string, string, int)> Shares(JsonElement product) =>
        product.GetProperty("revenueShares").EnumerateArray()
            .Select(s => (s.GetProperty("intermediary").GetString()!, s.GetProperty("role").GetString()!, s.GetProperty("basisPoints").GetInt32()));

    [Fact]
    public async Task A_product_carries_its_revenue_share_schedule_and_shows_it_back()
    {
        var (provider, client) = await exchange.MemberAsync("sprov", "provider");
        var (valuer, _) = await exchange.MemberAsync("valuer", "intermediary");
        var (vault, _) = await exchange.MemberAsync("vault", "intermediary", "buyer");
        var id = Exchange.NewId("shared");
        var body = Shared(id, provider, Share(valuer, "valuation", 250), Share(vault, "custody", 100));

        var submitted = await Exchange.Ok(await client.PostAsJsonAsync("/v1/products", body), HttpStatusCode.Created);

        (string, string, int)[] expected = [(vault, "custody", 100), (valuer, "valuation", 250)];
        Assert.Equal(expected, Shares(submitted));
        Assert.Equal(expected, Shares(await Exchange.Ok(await exchange.Admin.GetAsync($"/v1/products/{id}"))));
        var evidence = await Exchange.Ok(await exchange.Admin.GetAsync($"/v1/ledger/entries?kind=product.submitted&subject={id}"));
        Assert.Equal(expected, Shares(Assert.Single(evidence.GetProperty("entries").EnumerateArray()).GetProperty("payload")));
        // A client re-sending the submission gets it back; another schedule is another submission.
        Assert.Equal(expected, Shares(await Exchange.Ok(await client.PostAsJsonAsync("/v1/products", body), HttpStatusCode.Created)));
        await ProblemAssert.IsProblem(await client.PostAsJsonAsync("/v1/products", Shared(id, provider, Share(valuer, "valuation", 250))),
            HttpStatusCode.Conflict, "product_exists");

        var typed = await exchange.Staff.GetProductAsync(id);
        Assert.Equal([new RevenueShareResponse(vault, "custody", 100), new RevenueShareResponse(valuer, "valuation", 250)], typed.RevenueShares);
        var plain = Exchange.NewId("plain");
        Assert.Empty(Shares(await Exchange.Ok(await client.PostAsJsonAsync("/v1/products", Exchange.Product(plain, provider)), HttpStatusCode.Created)));
    }

    [Fact]
    public async Task A_rejected_product_is_resubmitted_with_another_schedule()
    {
        var (provider, providerHttp) = await exchange.MemberAsync("sprov", "provider");
        var (valuer, _) = await exchange.MemberAsync("valuer", "intermediary");
        var (auditor, _) = await exchange.MemberAsync("auditor", "intermediary");
        var providerClient = new ClearingClient(providerHttp);
        var id = Exchange.NewId("reshared");
        var submission = new SubmitProductRequest(id, provider, "Geo API", "api", "call", "geo", ["credit-risk"], "api",
            [new RevenueShareRequest(valuer, "valuation", 500)]);
        await providerClient.SubmitProductAsync(submission);
        await exchange.Staff.ReviewProductAsync(id, approve: false, "valuation share too high");

        // A refused resubmission leaves the rejected product as it was.
        var refused = await Assert.ThrowsAsync<ClearingProblemException>(() => providerClient.SubmitProductAsync(
            submission with { RevenueShares = [new RevenueShareRequest(Exchange.NewId("ghost"), "valuation", 200)] }));
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "unknown_intermediary"), (refused.Status, refused.Code));
        var unchanged = await exchange.Staff.GetProductAsync(id);
        Assert.Equal("rejected", unchanged.Status);
        Assert.Equal([new RevenueShareResponse(valuer, "valuation", 500)], unchanged.RevenueShares);

        var changed = await providerClient.SubmitProductAsync(submission with
        {
            RevenueShares = [new RevenueShareRequest(valuer, "valuation", 200), new RevenueShareRequest(auditor, "compliance_audit", 50)],
        });

        Assert.Equal("pending_review", changed.Status);
        Assert.Equal([new RevenueShareResponse(auditor, "compliance_audit", 50), new RevenueShareResponse(valuer, "valuation", 200)], changed.RevenueShares);
        await exchange.Staff.ReviewProductAsync(id, approve: false, "no shares wanted");
        Assert.Empty((await providerClient.SubmitProductAsync(submission with { RevenueShares = null })).RevenueShares);
    }

    [Fact]
    public async Task Schedules_naming_no_intermediary_or_breaking_a_bound_are_refused_and_create_nothing()
    {
        var (provider, client) = await exchange.MemberAsync("sprov", "provider");
        var (valuer, _) = await exchange.MemberAsync("valuer", "intermediary");
        var (auditor, _) = await exchange.MemberAsync("auditor", "intermediary");
        var (buyer, _) = await exchange.MemberAsync("sbuyer", "buyer");
        var id = Exchange.NewId("noshare");

        var cases = new (object[] Shares, HttpStatusCode Status, string Type)[]
        {
            ([Share(Exchange.NewId("ghost"), "valuation", 100)], HttpStatusCode.UnprocessableEntity, "unknown_intermediary"),
            ([Share(valuer, "valuation", 100), Share(buyer, "custody", 100)], HttpStatusCode.UnprocessableEntity, "not_an_intermediary"),
            ([Share(valuer, "valuation", 2_500), Share(auditor, "compliance_audit", 2_501)], HttpStatusCode.BadRequest, "invalid_revenue_shares"),
            ([Share(valuer, "valuation", 100), Share(auditor, "valuation", 100)], HttpStatusCode.BadRequest, "invalid_revenue_shares"),
            ([Share(valuer, "brokerage", 100)], HttpStatusCode.BadRequest, "invalid_role"),
            ([Share(valuer, "valuation", 0)], HttpStatusCode.BadRequest, "invalid_basis_points"),
            ([Share(valuer, "valuation", 5_001)], HttpStatusCode.BadRequest, "invalid_basis_points"),
            ([Share(provider, "valuation", 100)], HttpStatusCode.BadRequest, "invalid_intermediary"),
            ([Share("Not An Id", "valuation", 100)], HttpStatusCode.BadRequest, "invalid_intermediary"),
            ([new { role = "valuation", basisPoints = 100 }], HttpStatusCode.BadRequest, "invalid_intermediary"),
            ([null!], HttpStatusCode.BadRequest, "invalid_revenue_shares"),
            ([Share(valuer, "valuation", 1), Share(auditor, "compliance_audit", 1), Share(valuer, "custody", 1), Share(auditor, "custody", 1)],
                HttpStatusCode.BadRequest, "invalid_revenue_shares"),
        };
        foreach (var (shares, status, type) in cases)
        {
            await ProblemAssert.IsProblem(await client.PostAsJsonAsync("/v1/products", Shared(id, provider, shares)), status, type);
        }

        await ProblemAssert.IsProblem(await exchange.Admin.GetAsync($"/v1/products/{id}"), HttpStatusCode.NotFound, "unknown_product");
        var ledger = await Exchange.Ok(await exchange.Admin.GetAsync($"/v1/ledger/entries?subject={id}"));
        Assert.Empty(ledger.GetProperty("entries").EnumerateArray());
    }
}
