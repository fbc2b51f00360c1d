using System.Text.Json.Nodes;
using ClearingCluster.TestSupport;

namespace ClearingCluster.EndToEnd.Tests;

/// <summary>
/// The served OpenAPI document is a contract: a real linter finds no error in it, every operation is typed and names
/// its refusals, and it is the one committed in docs/openapi.json, so a change to it shows in review.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class OpenApiContractTests(GatewayFixture fixture)
{
    /// <summary>Pinned, so a new linter release cannot turn CI red on its own.</summary>
    public const string Redocly = "@redocly/cli@2.77.0";

    /// <summary>Set to 1 to write the served document to docs/openapi.json (a deliberate change of the contract).</summary>
    public const string UpdateVariable = "CLEARING_UPDATE_OPENAPI";

    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    private async Task<string> ServedAsync()
    {
        using var client = fixture.Gateway.Client();
        return await client.GetStringAsync("/openapi/v1.json");
    }

    [Fact]
    public async Task Redocly_lint_finds_no_error_in_the_served_document()
    {
        var file = Path.Combine(Path.GetTempPath(), $"clearing-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, await ServedAsync());
        try
        {
            var npx = ExternalTool.Find("npx") ?? throw new InvalidOperationException("npx (Node.js) is needed to lint the OpenAPI document");
            var (exitCode, output) = await ExternalTool.RunAsync(npx, ["--yes", Redocly, "lint", file, "--format=summary"]);

            Assert.True(exitCode == 0, $"redocly lint failed ({exitCode}):\n{output}");
            Assert.Contains("valid", output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Every_operation_has_an_id_a_typed_answer_and_its_refusals_as_problems()
    {
        var document = JsonNode.Parse(await ServedAsync())!;
        Assert.NotNull(document["components"]?["securitySchemes"]?["bearer"]);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var operations = 0;
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var method in Methods.Where(m => item![m] is not null))
            {
                operations++;
                var operation = item![method]!;
                var name = $"{method.ToUpperInvariant()} {path}";
                var id = operation["operationId"]?.GetValue<string>();
                Assert.False(string.IsNullOrEmpty(id), $"{name} has no operationId");
                Assert.True(ids.Add(id!), $"{name} repeats operationId {id}");

                var responses = operation["responses"]!.AsObject();
                var successes = responses.Where(r => r.Key.StartsWith('2')).ToList();
                Assert.True(successes.Count > 0, $"{name} documents no success");
                Assert.All(successes, s => Assert.True(s.Value?["content"]?.AsObject().Any(c => c.Value?["schema"] is not null) == true,
                    $"{name} answers {s.Key} without a schema"));
                foreach (var (status, response) in responses.Where(r => r.Key[0] is '4' or '5'))
                {
                    var content = response!["content"]?.AsObject();
                    Assert.True(content is not null && content.Select(c => c.Key).SequenceEqual(["application/problem+json"]),
                        $"{name} refuses with {status} but not as application/problem+json");
                }

                var secured = operation["security"]?.AsArray().Count > 0;
                if (secured)
                {
                    Assert.True(responses.ContainsKey("401"), $"{name} needs a key but documents no 401");
                    Assert.Contains("Roles:", operation["description"]?.GetValue<string>() ?? "");
                }
                if (path.StartsWith("/v1/", StringComparison.Ordinal))
                {
                    Assert.True(secured, $"{name} needs no key");
                    Assert.True(responses.ContainsKey("503"), $"{name} documents no 503");
                }
                if (method == "post" && operation["requestBody"] is not null)
                {
                    Assert.True(responses.ContainsKey("400"), $"{name} takes a body but documents no 400");
                }
            }
        }
        Assert.True(operations >= 34, $"only {operations} operations documented");
    }

    [Fact]
    public async Task The_served_document_is_the_committed_contract()
    {
        var served = JsonNode.Parse(await ServedAsync())!;
        var committedFile = Path.Combine(Repository.Root, "docs", "openapi.json");
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            await File.WriteAllTextAsync(committedFile, served.ToJsonString(new() { WriteIndented = true }) + "\n");
        }
        var committed = JsonNode.Parse(await File.ReadAllTextAsync(committedFile))!;

        Assert.True(JsonNode.DeepEquals(served, committed),
            $"the served OpenAPI document differs from docs/openapi.json at {FirstDifference(served, committed, "$")}; "
            + $"if the change is meant, run {UpdateVariable}=1 ./cluster test --filter {nameof(The_served_document_is_the_committed_contract)} and commit the file");
    }

    private static string FirstDifference(JsonNode? a, JsonNode? b, string path)
    {
        switch (a, b)
        {
            case (JsonObject x, JsonObject y):
                foreach (var key in x.Select(p => p.Key).Union(y.Select(p => p.Key)))
                {
                    if (!JsonNode.DeepEquals(x[key], y[key]))
                    {
                        return FirstDifference(x[key], y[key], $"{path}.{key}");
                    }
                }
                return path;
            case (JsonArray x, JsonArray y) when x.Count == y.Count:
                for (var i = 0; i < x.Count; i++)
                {
                    if (!JsonNode.DeepEquals(x[i], y[i]))
                    {
                        return FirstDifference(x[i], y[i], $"{path}[{i}]");
                    }
                }
                return path;
            default:
                return path;
        }
    }
}
