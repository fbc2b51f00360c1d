using ClearingCluster.Gateway.Apis;
using ClearingCluster.Gateway.Auth;
using ClearingCluster.Gateway.Console;
using ClearingCluster.Gateway.Errors;
using ClearingCluster.Gateway.Metrics;
using ClearingCluster.Gateway.OpenApi;
using ClearingCluster.Silo.Hosting;
using Microsoft.AspNetCore.DataProtection;

namespace ClearingCluster.Gateway.Hosting;

public static class GatewayHostingExtensions
{
    public const long DefaultMaxRequestBodyBytes = 1024 * 1024;

    /// <summary>The Gateway with its silo in process: services, limits, auth, errors, OpenAPI, metrics.</summary>
    public static WebApplicationBuilder AddClearingGateway(this WebApplicationBuilder builder)
    {
        var gateway = builder.Configuration.GetSection("Clearing:Gateway");
        var urlsGiven = !string.IsNullOrEmpty(builder.Configuration["urls"]) || !string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]);
        if (!urlsGiven)
        {
            builder.WebHost.UseUrls(gateway["Urls"] ?? "http://127.0.0.1:5080");
        }
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Limits.MaxRequestBodySize = gateway.GetValue("MaxRequestBodyBytes", DefaultMaxRequestBodyBytes));

        builder.Services.AddClearingSilo(builder.Configuration);
        // A stop drains HTTP, hands partitions over (a drain of at most a round) and deactivates grains (their flushes,
        // up to Clearing:Runtime:DeactivationTimeout): more than the host's default 30 s may be needed.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(45));
        builder.Services.AddHostedService<AdminKeyBootstrap>();
        builder.Services.AddClearingAuth();
        // Nothing here encrypts cookies or tokens; an ephemeral key ring keeps the framework from persisting one.
        builder.Services.AddDataProtection().UseEphemeralDataProtectionProvider();
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = StatusProblemTypes.Apply);
        builder.Services.AddExceptionHandler<ExceptionProblemHandler>();
        builder.Services.AddSingleton<PrometheusExporter>();
        builder.Services.AddSingleton<GatewayMetrics>();
        builder.Services.AddClearingOpenApi();
        // Malformed bodies reach the exception handler, which answers with a problem naming what was wrong.
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(
            new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.SnakeCaseLower)));
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase;
            // One rule for every body: a property given twice is refused (never "the last one wins"), and a number is
            // a JSON number (never a string holding one), as the hand-written order and usage readers already insist.
            json.SerializerOptions.AllowDuplicateProperties = false;
            json.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
        });
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new Json.UtcMicrosecondsConverter()));
        builder.Services.AddSingleton<Json.StringPool>();
        builder.Services.AddClearingConsole(builder.Configuration);
        return builder;
    }

    public static WebApplication UseClearingGateway(this WebApplication app)
    {
        // The exporter listens from the start, so nothing measured before the first scrape is lost.
        app.Services.GetRequiredService<PrometheusExporter>();
        var metrics = app.Services.GetRequiredService<GatewayMetrics>();
        app.Use((context, next) => metrics.Measure(context, _ => next()));
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapOpenApi().AllowAnonymous();
        app.MapOperationsApi();
        app.MapClusterApi();
        app.MapIdentityApi();
        app.MapParticipantsApi();
        app.MapAccountsApi();
        app.MapProductsApi();
        app.MapVouchersApi();
        app.MapLedgerApi();
        app.MapOrdersApi();
        app.MapContractsApi();
        app.MapUsageApi();
        app.MapReconciliationApi();
        app.MapListingsApi();
        app.MapClearingApi();
        app.MapClearingConsole();
        return app;
    }
}
