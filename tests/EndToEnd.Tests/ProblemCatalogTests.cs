using System.Net;
using System.Text;
using ClearingCluster.Gateway.Errors;
using ClearingCluster.TestSupport;
using Microsoft.Extensions.DependencyInjection;

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

    /// <summary>
    /// The server's refusals, hard to cause on a healthy Gateway, walked through the one mapping the Gateway answers
    /// with: each lands on its catalogued type and status, a 503 with Retry-After.
    /// </summary>
    [Fact]
    public async Task Every_server_side_refusal_maps_to_its_catalogued_type()
    {
        var grain = Runtime.GrainId.Create("account", "walk");
        var fence = new Runtime.Durability.WriterFence("book/walk", 1);
        var cases = new (Exception Error, string Type)[]
        {
            (new Runtime.Durability.CommitRefusedException("full", TimeSpan.FromSeconds(2)), "overloaded"),
            (new Runtime.GrainMailboxFullException(grain, 10), "overloaded"),
            (new Runtime.Durability.CommitFailedException("flush failed", null, TimeSpan.FromSeconds(1)), "not_durable"),
            (new Runtime.Durability.StaleWriterException([fence]), "moved"),
            (new Runtime.GrainRuntimeStoppedException(), "stopping"),
            (new Interfaces.Metering.MeterUnavailableException("behind", TimeSpan.FromSeconds(3)), "usage_unavailable"),
            (new Npgsql.NpgsqlException("connection refused"), "database_unavailable"),
            (new Runtime.GrainCallTimeoutException(grain, "Place", TimeSpan.FromSeconds(30)), "timeout"),
            (new Runtime.InconsistentStateException("version 3 expected, 4 stored"), "concurrent_update"),
            (Interfaces.DomainException.Unavailable("account_reloading", "reloading"), "account_reloading"),
            (Interfaces.DomainException.Unavailable("order_in_doubt", "in doubt"), "order_in_doubt"),
            (Interfaces.DomainException.Unavailable("evidence_unavailable", "not yet"), "evidence_unavailable"),
            (new InvalidOperationException("a bug"), "internal"),
        };
        var handler = new ExceptionProblemHandler(Microsoft.Extensions.Logging.Abstractions.NullLogger<ExceptionProblemHandler>.Instance);
        foreach (var (error, type) in cases)
        {
            using var scope = fixture.Gateway.Services.CreateScope();
            var context = new Microsoft.AspNetCore.Http.DefaultHttpContext { RequestServices = scope.ServiceProvider };
            context.Response.Body = new MemoryStream();

            Assert.True(await handler.TryHandleAsync(context, error, CancellationToken.None));

            var entry = ProblemCatalog.Find(type)!;
            Assert.Equal(entry.Status, context.Response.StatusCode);
            context.Response.Body.Position = 0;
            using var body = System.Text.Json.JsonDocument.Parse(context.Response.Body);
            Assert.Equal(ProblemTypePrefix + type, body.RootElement.GetProperty("type").GetString());
            if (entry.Status == 503)
            {
                Assert.True(int.Parse(context.Response.Headers.RetryAfter.ToString(), System.Globalization.CultureInfo.InvariantCulture) >= 1, type);
            }
        }
    }

    /// <summary>Every catalogued type is exercised by some test: provoked over HTTP, walked above, or checked where it is decided.</summary>
    [Fact]
    public void Every_catalogued_type_is_named_by_a_test()
    {
        var sources = string.Concat(new[] { "EndToEnd.Tests", "Integration.Tests", "Grains.Tests" }
            .SelectMany(project => Directory.EnumerateFiles(Path.Combine(Repository.Root, "tests", project), "*.cs", SearchOption.AllDirectories))
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText));

        var untested = ProblemCatalog.Types.Keys.Where(code => !sources.Contains($"\"{code}\"", StringComparison.Ordinal)).ToList();

        Assert.True(untested.Count == 0, $"no test names: {string.Join(", ", untested)}");
    }

    private const string ProblemTypePrefix = "urn:clearing:problem:";
}
