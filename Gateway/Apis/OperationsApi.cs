using ClearingCluster.Gateway.OpenApi;
using ClearingCluster.Gateway.Errors;
using ClearingCluster.Gateway.Metrics;
using ClearingCluster.Interfaces.Operations;
using ClearingCluster.Runtime;
using ClearingCluster.Runtime.Cluster;
using ClearingCluster.Silo.Database;
using ClearingCluster.Wire;

namespace ClearingCluster.Gateway.Apis;

public static class OperationsApi
{
    private static readonly TimeSpan ReadinessProbeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Probe grain keys tried for one whose partition this silo serves (a hash each, ~1 ms for all): a silo serving even
    /// one partition of 1,024 misses every key with odds of e⁻¹⁹.
    /// </summary>
    private const int ProbeKeysTried = 20_000;

    /// <summary>Liveness, readiness and metrics: open to anyone who can reach the port (it listens on loopback by default).</summary>
    public static IEndpointRouteBuilder MapOperationsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health/live", () => Results.Ok(new HealthResponse("live")))
            .AllowAnonymous().WithTags("Operations").Produces<HealthResponse>().Documented("getLiveness").WithSummary("The process is up.");

        app.MapGet("/health/ready", ReadyAsync)
            .AllowAnonymous().Produces<HealthResponse>().Documented("getReadiness", 503).WithTags("Operations").WithSummary("The database is reachable and the silo serves grain calls (silo: serving), or serves no partition now and is ready to take some (silo: standby).");

        app.MapGet("/metrics", (PrometheusExporter exporter) => Results.Text(exporter.Render(), "text/plain; version=0.0.4; charset=utf-8"))
            .AllowAnonymous().WithTags("Operations").Produces<string>(StatusCodes.Status200OK, "text/plain").Documented("getMetrics")
            .WithSummary("Prometheus text format (counters end in _total, units in names).");
        return app;
    }

    private static async Task<IResult> ReadyAsync(ClearingDatabase database, IGrainFactory grains, IPartitionGuard partitions, GrainTypeRegistry registry,
        CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReadinessProbeTimeout);
        if (!await database.IsReachableAsync(timeout.Token))
        {
            return Problems.Result(503, "not_ready", "Not ready", "the database is not reachable");
        }
        // The probe goes to a grain of a partition this silo serves; a silo serving none (a standby while another holds
        // every partition) is up and ready to take them, and says so.
        var probeType = registry.TypeNameFor(typeof(IReadinessGrain));
        var probe = Enumerable.Range(0, ProbeKeysTried).Select(i => i == 0 ? "gateway" : $"gateway-{i}")
            .FirstOrDefault(key => partitions.ServingEpoch(Partitions.Of(new GrainId(probeType, key))) is not null);
        if (probe is null)
        {
            return Results.Ok(new HealthResponse("ready", "reachable", "standby"));
        }
        try
        {
            await grains.GetGrain<IReadinessGrain>(probe).Probe().WaitAsync(timeout.Token);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            return Problems.Result(503, "not_ready", "Not ready", $"the silo does not serve grain calls: {error.Message}");
        }
        return Results.Ok(new HealthResponse("ready", "reachable", "serving"));
    }
}
