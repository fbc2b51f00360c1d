using System.Net;
using System.Text.Json;

namespace ClearingCluster.EndToEnd.Tests;

public static class ProblemAssert
{
    /// <summary>Asserts an RFC 7807 answer with the status and the problem type naming the rule; returns its detail.</summary>
    public static async Task<string> IsProblem(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("urn:clearing:problem:" + type, body.RootElement.GetProperty("type").GetString());
        Assert.Equal((int)status, body.RootElement.GetProperty("status").GetInt32());
        // Every refusal the suite sees is in the catalog docs/API.md lists, with the catalog's status.
        var entry = Gateway.Errors.ProblemCatalog.Find(type);
        Assert.True(entry is not null, $"problem type {type} is not in the catalog (Gateway/Errors/ProblemCatalog.cs)");
        Assert.Equal(entry.Status, (int)status);
        Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("title").GetString()));
        return body.RootElement.GetProperty("detail").GetString() ?? "";
    }
}
