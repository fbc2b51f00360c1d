namespace ClearingCluster.Gateway.Console;

/// <summary>What every console answer carries: no framing, no script but its own, no caching of members' data, no referrer; and the session cookie's flags.</summary>
public static class ConsoleHeaders
{
    public static void Apply(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        // Exactly what the antiforgery system sets on pages with a form, so it has nothing to override (and log).
        headers.CacheControl = "no-cache, no-store";
        headers.Pragma = "no-cache";
    }

    /// <summary>HTTP-only (no script reads it), secure (HTTPS, or a loopback address, which browsers treat as secure), SameSite=Strict (no other site's page sends it), for the whole host.</summary>
    public static CookieOptions SessionCookieOptions() => new() { HttpOnly = true, Secure = true, SameSite = SameSiteMode.Strict, Path = "/", IsEssential = true };
}
