using System.Net.Http.Headers;
using ClearingCluster.Silo.Database;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace ClearingCluster.EndToEnd.Tests;

/// <summary>
/// The real Gateway (silo in process) on Kestrel on a free loopback port, on a database of its own. Clients
/// speak real HTTP to it. Settings are what an operator would set in the environment.
/// </summary>
public sealed class GatewayFactory(
    string connectionString, string dataDirectory, string? adminKey, IReadOnlyDictionary<string, string>? settings = null,
    Action<IServiceCollection>? services = null)
    : WebApplicationFactory<Program>
{
    public int Port { get; } = EmbeddedPostgres.FreePort();

    public string DataDirectory => dataDirectory;

    /// <param name="services">Changes to the Gateway's services: for tests that break it on purpose.</param>
    public static GatewayFactory Start(string connectionString, string? adminKey, string? dataDirectory = null, IReadOnlyDictionary<string, string>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var factory = new GatewayFactory(
            connectionString,
            dataDirectory ?? Path.Combine(Path.GetTempPath(), "clearingcluster-tests", Guid.NewGuid().ToString("N")),
            adminKey,
            settings,
            services);
        factory.UseKestrel(factory.Port);
        factory.StartServer();
        return factory;
    }

    public HttpClient Client(string? apiKey = null)
    {
        var client = CreateClient();
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("CLEARING_DB", connectionString);
        builder.UseSetting("CLEARING_DATA_DIR", dataDirectory);
        if (adminKey is not null)
        {
            builder.UseSetting("CLEARING_ADMIN_KEY", adminKey);
        }
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            builder.UseSetting(key, value);
        }
        if (services is not null)
        {
            builder.ConfigureTestServices(services);
        }
    }
}
