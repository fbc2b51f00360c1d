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

/// <summary>What an unauthenticated caller can cost the Gateway: bounded memory, bounded lookups, and a revocation that bites at once.</summary>
[Collection(GatewayCollection.Name)]
public sealed class KeyCacheTests(GatewayFixture fixture)
{
    private readonly Exchange exchange = new(fixture.Gateway, GatewayFixture.AdminKey);

    private Gateway.Auth.ApiKeyStore Store => (Gateway.Auth.ApiKeyStore)fixture.Gateway.Services.GetService(typeof(Gateway.Auth.ApiKeyStore))!;

    [Fact]
    public async Task A_token_that_cannot_be_a_key_costs_no_lookup_and_is_not_remembered()
    {
        var (lookups, remembered) = (Store.Lookups, Store.Remembered);
        using var client = fixture.Gateway.Client();
        for (var i = 0; i < 200; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/v1/whoami");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Convert.ToHexString(RandomNumberGenerator.GetBytes(24)));
            await ProblemAssert.IsProblem(await client.SendAsync(request), HttpStatusCode.Unauthorized, "unauthenticated");
        }
        Assert.Equal(lookups, Store.Lookups);
        Assert.True(Store.Remembered <= remembered, $"{Store.Remembered} remembered, {remembered} before");
    }

    [Fact]
    public async Task Unknown_tokens_shaped_like_keys_are_remembered_only_up_to_the_bound()
    {
        var store = Store;
        for (var i = 0; i < Gateway.Auth.ApiKeyStore.UnknownTokensMax + 50; i++)
        {
            var token = "cck_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            Assert.Null(await store.FindAsync(token, CancellationToken.None));
        }
        Assert.True(store.Remembered <= Gateway.Auth.ApiKeyStore.UnknownTokensMax + Gateway.Auth.ApiKeyStore.KnownKeysMax);
        Assert.True(store.Remembered < Gateway.Auth.ApiKeyStore.UnknownTokensMax + 1_000, $"{store.Remembered} remembered");
    }

    [Fact]
    public async Task A_revoked_key_is_refused_at_once_on_this_gateway()
    {
        var (member, _) = await exchange.MemberAsync("revoked", "buyer");
        var issued = await exchange.Staff.IssueKeyAsync(member);
        using var client = fixture.Gateway.Client(issued.Key);
        // Used once, so the key is in the cache when it is revoked.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/whoami")).StatusCode);
        await exchange.Staff.RevokeKeyAsync(member, issued.KeyId);
        await ProblemAssert.IsProblem(await client.GetAsync("/v1/whoami"), HttpStatusCode.Unauthorized, "unauthenticated");
    }
}
