using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace ClearingCluster.EndToEnd.Tests;

[Collection(GatewayCollection.Name)]
public sealed class AuthTests(GatewayFixture fixture)
{
    private sealed record WhoAmI(string Participant, string[] Roles);

    [Fact]
    public async Task Without_a_key_a_protected_route_answers_401_problem_with_a_challenge()
    {
        using var client = fixture.Gateway.Client();

        var response = await client.GetAsync("/v1/whoami");

        var detail = await ProblemAssert.IsProblem(response, HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.Contains("Bearer", detail);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task An_unknown_key_is_refused_with_a_reason()
    {
        using var client = fixture.Gateway.Client("cck_not-a-real-key");

        var detail = await ProblemAssert.IsProblem(await client.GetAsync("/v1/whoami"), HttpStatusCode.Unauthorized, "unauthenticated");

        Assert.Contains("unknown or revoked", detail);
    }

    [Fact]
    public async Task A_malformed_authorization_header_is_refused()
    {
        using var client = fixture.Gateway.Client();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Basic YWRtaW46YWRtaW4=");

        var detail = await ProblemAssert.IsProblem(await client.GetAsync("/v1/whoami"), HttpStatusCode.Unauthorized, "unauthenticated");

        Assert.Contains("Bearer <api key>", detail);
    }

    [Fact]
    public async Task The_admin_key_authenticates_as_admin()
    {
        using var client = fixture.Gateway.Client(GatewayFixture.AdminKey);

        var me = await client.GetFromJsonAsync<WhoAmI>("/v1/whoami");

        Assert.Equal("admin", me!.Participant);
        Assert.Equal(["admin"], me.Roles);
    }

    [Fact]
    public async Task Keys_are_stored_only_as_hashes()
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using (var admin = new NpgsqlCommand("SELECT key_hash FROM api_keys WHERE participant = 'admin' AND revoked_at IS NULL", connection))
        {
            Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(GatewayFixture.AdminKey)), (byte[])(await admin.ExecuteScalarAsync())!);
        }

        // No column could hold a plain key: only its hash, a public id and metadata.
        await using var columns = new NpgsqlCommand(
            "SELECT string_agg(column_name, ',' ORDER BY column_name) FROM information_schema.columns WHERE table_name = 'api_keys'", connection);
        Assert.Equal("bootstrap,created_at,key_hash,key_id,participant,revoked_at,roles", await columns.ExecuteScalarAsync());
    }
}
