using System.Net;
using System.Text;
using ClearingCluster.Gateway.Errors;
using ClearingCluster.TestSupport;

namespace ClearingCluster.EndToEnd.Tests;

/// <summary>The problem catalog is the list docs/API.md shows, and the refusals the Gateway writes keep to it.</summary>
[Collection(GatewayCollection.Name)]
public sealed class ProblemCatalogTests(GatewayFixture fixture)
{
    /// <summary>Set to 1 to rewrite docs/API.md's table from the catalog (a deliberate change).</summary>
    public const string UpdateVariable = "CLEARING_UPDATE_DOCS";

    private const string TableStart = "<!-- problem-types:start -->";
    private const string TableEnd = "<!-- problem-types:end -->";

    [Fact]
    public async Task Docs_list_exactly_the_catalog()
    {
        var file = Path.Combine(Repository.Root, "docs", "API.md");
        var text = await File.ReadAllTextAsync(file);
        var start = text.IndexOf(TableStart, StringComparison.Ordinal);
        var end = text.IndexOf(TableEnd, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"docs/API.md has no {TableStart} … {TableEnd} section");
        var table = new StringBuilder("\n| type | status | meaning |\n| --- | --- | --- |\n");
        foreach (var (code, entry) in ProblemCatalog.Types.OrderBy(t => t.Value.Status).ThenBy(t => t.Key, StringComparer.Ordinal))
        {
            table.Append($"| `{code}` | {entry.Status} | {entry.Meaning} |\n");
        }
        table.Append($"| `{ProblemCatalog.InvalidFieldPrefix}<field>` | {ProblemCatalog.InvalidField.Status} | {ProblemCatalog.InvalidField.Meaning} |\n");
        var expected = text[..(start + TableStart.Length)] + table + text[end..];
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            await File.WriteAllTextAsync(file, expected);
            text = expected;
        }

        Assert.True(text == expected, $"docs/API.md's problem types differ from ProblemCatalog; run {UpdateVariable}=1 ./cluster test --filter {nameof(Docs_list_exactly_the_catalog)}");
    }

    [Fact]
    public async Task The_framework_and_the_gateway_answer_with_catalogued_types()
    {
        using var anonymous = fixture.Gateway.Client();
        using var admin = fixture.Gateway.Client(GatewayFixture.AdminKey);

        await ProblemAssert.IsProblem(await anonymous.GetAsync("/v1/whoami"), HttpStatusCode.Unauthorized, "unauthenticated");
        await ProblemAssert.IsProblem(await admin.GetAsync("/v1/nothing-here"), HttpStatusCode.NotFound, "not_found");
        await ProblemAssert.IsProblem(await admin.PutAsync("/v1/whoami", null), HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        await ProblemAssert.IsProblem(await admin.GetAsync("/v1/ledger/entries?after=abc"), HttpStatusCode.BadRequest, "bad_request");
        await ProblemAssert.IsProblem(await admin.PostAsync("/v1/participants", new StringContent("{", Encoding.UTF8, "application/json")),
            HttpStatusCode.BadRequest, "malformed_json");
        await ProblemAssert.IsProblem(await admin.PostAsync("/v1/participants", new StringContent("a", Encoding.UTF8, "text/plain")),
            HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        Assert.Null(ProblemCatalog.Find("no_such_rule"));
        Assert.Equal(400, ProblemCatalog.Find("invalid_time_in_force")!.Status);
        Assert.Equal(409, ProblemCatalog.Find("invalid_transition")!.Status);
    }

    [Fact]
    public async Task Gateway_authority_refusals_name_their_rule()
    {
        var exchange = new Exchange(fixture.Gateway, GatewayFixture.AdminKey);
        var (member, memberHttp) = await exchange.MemberAsync("gwmax", "buyer");
        var (gateway, _) = await exchange.MemberAsync("gwone", "gateway");

        await ProblemAssert.IsProblem(await memberHttp.DeleteAsync($"/v1/participants/{member}/gateways/{gateway}"), HttpStatusCode.NotFound, "unknown_gateway");
        for (var i = 0; i < Grains.Validation.Inputs.ListCountMax; i++)
        {
            var id = Exchange.NewId("gwn");
            await exchange.Staff.RegisterParticipantAsync(new Wire.RegisterParticipantRequest(id, "Gateway Ltd", ["gateway"], 2));
            await exchange.Staff.ApproveParticipantAsync(id);
            await exchange.Staff.AuthoriseGatewayAsync(member, id);
        }
        await ProblemAssert.IsProblem(await memberHttp.PostAsync($"/v1/participants/{member}/gateways",
            new StringContent($$"""{"gateway":"{{gateway}}"}""", Encoding.UTF8, "application/json")), HttpStatusCode.UnprocessableEntity, "too_many_gateways");
    }
}
