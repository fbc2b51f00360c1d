using System.Net;

namespace ClearingCluster.EndToEnd.Tests;

[Collection(GatewayCollection.Name)]
public sealed class AdminKeyTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Without_CLEARING_ADMIN_KEY_a_key_is_generated_into_the_data_directory_kept_across_restarts_and_revoked_once_one_is_configured()
    {
        var database = await fixture.Postgres.CreateDatabaseAsync();
        string generated;
        string keyFile;
        await using (var first = GatewayFactory.Start(database, adminKey: null))
        {
            keyFile = Path.Combine(first.DataDirectory, "admin.key");
            generated = (await File.ReadAllTextAsync(keyFile)).Trim();
            Assert.StartsWith("cck_", generated);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
            using var client = first.Client(generated);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/whoami")).StatusCode);
        }

        await using (var restarted = GatewayFactory.Start(database, adminKey: null, dataDirectory: Path.GetDirectoryName(keyFile)))
        {
            using var client = restarted.Client(generated);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/whoami")).StatusCode);
        }

        const string configured = "configured-admin-key-77aa";
        await using var reconfigured = GatewayFactory.Start(database, configured, dataDirectory: Path.GetDirectoryName(keyFile));
        using var old = reconfigured.Client(generated);
        using var current = reconfigured.Client(configured);
        Assert.Equal(HttpStatusCode.Unauthorized, (await old.GetAsync("/v1/whoami")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await current.GetAsync("/v1/whoami")).StatusCode);
        Directory.Delete(Path.GetDirectoryName(keyFile)!, recursive: true);
    }
}
