using ClearingCluster.Gateway.Auth;
using ClearingCluster.Gateway.OpenApi;
using ClearingCluster.Grains.Metering.Wire;
using ClearingCluster.Runtime.Cluster;
using ClearingCluster.Wire;

namespace ClearingCluster.Gateway.Apis;

public static class ClusterApi
{
    /// <summary><c>GET /v1/cluster</c>, for admins: who holds which partitions, read from the database that decides it.</summary>
    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/cluster", GetAsync).RequireAuthorization(AuthPolicies.AdminOnly).WithTags("Operations").Produces<ClusterResponse>()
            .Documented("getCluster", 403).WithSummary("Silos, the partitions each holds under a lease, and this silo's own view.");
        return app;
    }

    private static async Task<IResult> GetAsync(IPartitionOwnership ownership, PartitionKeeper keeper, IMembershipTable membership, SiloMembership self,
        CancellationToken cancellationToken)
    {
        var (owners, atMicros) = await ownership.ReadAllAsync(cancellationToken);
        var now = UsageEnvelope.FromMicros(atMicros);
        // A lease that ran out (on the database's clock, which leases run on) counts as nobody's, though the row still
        // names its last owner until another takes it.
        var live = owners.Where(o => o.Owner is not null && o.LeaseUntilMicros > atMicros).ToList();
        var silos = live.GroupBy(o => o.Owner!).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new ClusterSiloResponse(g.Key, g.Count(), g.Min(o => o.Epoch), g.Max(o => o.Epoch),
                UsageEnvelope.FromMicros(g.Max(o => o.LeaseUntilMicros)), Partitions.Ranges(g.Select(o => o.Partition))))
            .ToList();
        var (held, serving) = keeper.Snapshot();
        var view = await membership.ReadAllAsync(cancellationToken);
        var members = view.Members.Select(m => new ClusterMemberResponse(m.SiloName, m.HostName, m.Address, m.Port, m.Generation,
                System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(m.Status.ToString()), m.ProxyPort, m.StartTime, m.IAmAliveTime,
                self.Self is { } me && (me.Address, me.Port, me.Generation) == (m.Address, m.Port, m.Generation)))
            .ToList();
        return Results.Ok(new ClusterResponse(keeper.Silo, owners.Count, held.Count, serving, owners.Count - live.Count, silos, now, members, view.Version));
    }
}
