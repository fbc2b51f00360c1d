using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ClearingCluster.Gateway.Console;

/// <summary>The console at <c>/console</c>: Razor Pages rendered on the server, forms guarded by antiforgery tokens.</summary>
public static class ConsoleHosting
{
    public static IServiceCollection AddClearingConsole(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection("Clearing:Console").Get<ConsoleOptions>() ?? new ConsoleOptions();
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ConsoleSessions>();
        services.AddSingleton<ConsoleApi>();
        services.AddSingleton<BookFeed>();
        services.AddSingleton<OperationsHistory>();
        services.AddHostedService(provider => provider.GetRequiredService<OperationsHistory>());
        services.AddRazorPages(pages => pages.RootDirectory = "/Console/Pages");
        // Chinese written as itself, not as character references (Razor still encodes every markup character).
        services.Configure<Microsoft.Extensions.WebEncoders.WebEncoderOptions>(encoders =>
            encoders.TextEncoderSettings = new System.Text.Encodings.Web.TextEncoderSettings(System.Text.Unicode.UnicodeRanges.All));
        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = "cc_csrf";
            // Secure over HTTPS; plain HTTP reaches the console only on loopback (RequireSecureTransport).
            antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
            antiforgery.Cookie.HttpOnly = true;
        });
        return services;
    }

    /// <summary>The pages check their own session (<see cref="ConsolePage"/>): the API's bearer-key fallback policy does not apply to them.</summary>
    public static void MapClearingConsole(this WebApplication app)
    {
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/console"), console => console.Use(RequireSecureTransport));
        app.MapRazorPages().AllowAnonymous();
        app.MapGet("/console/assets/{script}.js", Script).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/console/operations/data", OperationsData).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/console/books/{product}/events", (string product, HttpContext context, BookFeed feed) => feed.OpenAsync(product, context))
            .AllowAnonymous().ExcludeFromDescription();
    }

    /// <summary>The console's scripts, embedded in the Gateway: the only ones its pages may run (their CSP allows nothing else).</summary>
    private static readonly Dictionary<string, byte[]> Scripts = new[] { "evidence", "book", "operations" }.ToDictionary(name => name, name =>
    {
        using var stream = typeof(ConsoleHosting).Assembly.GetManifestResourceStream($"Console.{name}.js")
            ?? throw new InvalidOperationException($"the console's {name}.js is not embedded");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }, StringComparer.Ordinal);

    /// <summary>The operations charts' points, for staff and regulators signed in (the roles of the API's clearing oversight).</summary>
    private static IResult OperationsData(HttpContext context, ConsoleSessions sessions, OperationsHistory history)
    {
        ConsoleHeaders.Apply(context.Response);
        if (sessions.Find(context.Request.Cookies[ConsolePage.SessionCookie]) is not { } session)
        {
            return Results.Unauthorized();
        }
        return Operations.MayWatch(session) ? Results.Json(history.Points) : Results.StatusCode(StatusCodes.Status403Forbidden);
    }

    private static IResult Script(string script, HttpContext context)
    {
        ConsoleHeaders.Apply(context.Response);
        return Scripts.TryGetValue(script, out var bytes) ? Results.Bytes(bytes, "text/javascript; charset=utf-8") : Results.NotFound();
    }

    /// <summary>
    /// A session cookie must not cross a network in clear: the console answers over HTTPS, or plain HTTP from this
    /// machine (browsers treat loopback as secure, and keep its secure cookies), and refuses anything else.
    /// </summary>
    private static Task RequireSecureTransport(HttpContext context, RequestDelegate next)
    {
        if (context.Request.IsHttps || context.Connection.RemoteIpAddress is { } remote && System.Net.IPAddress.IsLoopback(remote))
        {
            return next(context);
        }
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync("the console is served over HTTPS (plain HTTP only to this machine's own browser)");
    }
}
