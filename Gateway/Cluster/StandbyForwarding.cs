using ClearingCluster.Gateway.Errors;
using ClearingCluster.Runtime.Cluster;
using ClearingCluster.Silo.Cluster;
using Yarp.ReverseProxy.Forwarder;

namespace ClearingCluster.Gateway.Cluster;

/// <summary>
/// A silo serving no partition — a standby while another silo holds them all — forwards API requests (<c>/v1/…</c>,
/// except its own cluster view) to the Gateway of the silo that holds them, so a client may enter at any silo.
/// Nothing was done here for such a request, so forwarding it is safe; a forwarded request is never forwarded again
/// (<see cref="ForwardedHeader"/>). A silo holding some partitions answers for them and <c>moved</c> for the others:
/// calls are not yet routed between silos grain by grain (docs/CLUSTER.md).
/// </summary>
public sealed class StandbyForwarding(
    RequestDelegate next, PartitionKeeper keeper, ClusterOptions options, ClusterTimings timings, HolderDirectory holders, IHttpForwarder forwarder,
    ILogger<StandbyForwarding> logger)
{
    /// <summary>Set on a forwarded request: the forwarding silo's name.</summary>
    public const string ForwardedHeader = "X-Clearing-Forwarded-By";

    /// <summary>
    /// How long a forwarded request may go without progress (a lease): a holder paused or cut off that long has lost
    /// its partitions anyway.
    /// </summary>
    private readonly ForwarderRequestConfig config = new() { ActivityTimeout = timings.Lease };

    private readonly HttpMessageInvoker client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        UseCookies = false,
        ConnectTimeout = TimeSpan.FromSeconds(2),
    });

    public async Task InvokeAsync(HttpContext context)
    {
        if (!options.KeepPartitions || !context.Request.Path.StartsWithSegments("/v1") || context.Request.Path.StartsWithSegments("/v1/cluster")
            || context.Request.Headers.ContainsKey(ForwardedHeader) || keeper.ServesAny()
            || await holders.HolderAsync(context.RequestAborted) is not { } holder)
        {
            await next(context);
            return;
        }
        context.Request.Headers[ForwardedHeader] = options.SiloName;
        var error = await forwarder.SendAsync(context, holder.ToString(), client, config);
        if (error is ForwarderError.None or ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled)
        {
            // Done, or the client went away.
            return;
        }
        holders.Forget();
        var neverReached = context.Features.Get<IForwarderErrorFeature>()?.Exception is HttpRequestException { InnerException: System.Net.Sockets.SocketException };
        logger.LogWarning("forwarding {Method} {Path} to {Holder} failed: {Error}", context.Request.Method, context.Request.Path, holder, error);
        if (context.Response.HasStarted)
        {
            return;
        }
        context.Response.Clear();
        context.Response.Headers.RetryAfter = "1";
        if (neverReached)
        {
            await Problems.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "moved", "Moved",
                $"this silo serves no partition and the silo holding them ({holder}) could not be reached: nothing was done; retry");
        }
        else
        {
            // The holder may have done it: only a repeat with the same reference, client order id or sequence is safe.
            await Problems.WriteAsync(context, StatusCodes.Status504GatewayTimeout, "timeout", "Timed out",
                $"the silo holding the partitions ({holder}) took the request but gave no answer ({error}): it may have been done; "
                + "repeat it with the same reference, client order id or sequence");
        }
    }
}
