using ClearingCluster.Client;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ClearingCluster.Gateway.Console;

/// <summary>
/// The console is a client of this Gateway's own API, with the signed-in member's key: what a page shows and does is
/// authorised by the API's own roles and refusals, one rule for both. Calls go over loopback to the address the
/// Gateway listens on, through one shared connection pool, and are never repeated (a page reports what the API said).
/// </summary>
public sealed class ConsoleApi(IServer server) : IDisposable
{
    private readonly SocketsHttpHandler pool = new() { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1) };
    private Uri? self;

    /// <summary>A client acting as <paramref name="key"/>'s member; dispose it when the page is done.</summary>
    public SessionClient For(string key)
    {
        var http = new HttpClient(pool, disposeHandler: false) { BaseAddress = Self(), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        return new SessionClient(http, new ClearingClient(http, new ClearingClientOptions { RetryAttemptsMax = 0 }));
    }

    private Uri Self()
    {
        if (self is not null)
        {
            return self;
        }
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("the Gateway listens on no address the console could call");
        // A wildcard host (0.0.0.0, [::], +, *) is reached on loopback.
        var uri = new UriBuilder(address.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal));
        if (uri.Host is "0.0.0.0" or "[::]" or "localhost")
        {
            uri.Host = "127.0.0.1";
        }
        return self = uri.Uri;
    }

    public void Dispose() => pool.Dispose();
}

/// <summary>One page's client and the HTTP client under it.</summary>
public sealed class SessionClient(HttpClient http, ClearingClient api) : IDisposable
{
    public ClearingClient Api { get; } = api;

    public void Dispose()
    {
        Api.Dispose();
        http.Dispose();
    }
}
