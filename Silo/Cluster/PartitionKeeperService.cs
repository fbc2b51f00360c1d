using ClearingCluster.Runtime.Cluster;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ClearingCluster.Silo.Cluster;

/// <summary>
/// Runs the <see cref="PartitionKeeper"/> every <see cref="ClusterTimings.RenewEvery"/> from start (after the database
/// is ready) to stop, when it lets every partition go; with each round the silo's <see cref="SiloMembership"/> row
/// (joined in the first, alive in the later ones, dead at stop). A round that fails (the database away) is logged and the next
/// one tries again; leases not renewed in time are lost, and taken again in a new epoch once the database answers.
/// </summary>
internal sealed class PartitionKeeperService : BackgroundService
{
    private readonly PartitionKeeper keeper;
    private readonly SiloMembership membership;
    private readonly ClusterTimings timings;
    private readonly ClusterOptions options;
    private readonly ILogger<PartitionKeeperService> logger;
    private readonly Meter meter = new("ClearingCluster.Cluster");

    public PartitionKeeperService(PartitionKeeper keeper, SiloMembership membership, ClusterTimings timings, ClusterOptions options,
        ILogger<PartitionKeeperService> logger)
    {
        (this.keeper, this.membership, this.timings, this.options, this.logger) = (keeper, membership, timings, options, logger);
        meter.CreateObservableGauge("cluster_partitions_held", () => keeper.Snapshot().Held.Count,
            description: "partitions the silo holds a lease on (summed over silos sharing a process, as in tests)");
        meter.CreateObservableGauge("cluster_partitions_serving", () => keeper.Snapshot().Serving,
            description: "partitions the silo may act for now, its local deadline not passed");
        meter.CreateObservableCounter("cluster_partition_losses", () => keeper.Losses,
            description: "partitions this silo lost because a renewal was refused or came too late");
    }

    public override void Dispose()
    {
        meter.Dispose();
        base.Dispose();
    }

    /// <summary>The first round before the silo serves: it starts out holding what is free.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.KeepPartitions)
        {
            await KeepOnceAsync(0, cancellationToken);
        }
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.KeepPartitions)
        {
            return;
        }
        using var timer = new PeriodicTimer(timings.RenewEvery);
        var losses = keeper.Losses;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            losses = await KeepOnceAsync(losses, stoppingToken);
        }
    }

    /// <summary>One round; returns the losses counted so far (logged when they grew).</summary>
    private async Task<long> KeepOnceAsync(long losses, CancellationToken cancellationToken)
    {
        try
        {
            await keeper.KeepAsync(cancellationToken);
            if (keeper.Losses > losses)
            {
                logger.LogWarning("silo {Silo} lost {Count} partitions (leases not renewed in time); it takes free ones again", keeper.Silo,
                    keeper.Losses - losses);
            }
        }
        catch (Exception error) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(error, "silo {Silo} could not renew or take partitions; retrying in {Every}", keeper.Silo, timings.RenewEvery);
        }
        try
        {
            // Joins in the first round, says it is alive in every later one.
            await membership.HeartbeatAsync(cancellationToken);
        }
        catch (Exception error) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(error, "silo {Silo} could not update the membership table; retrying in {Every}", keeper.Silo, timings.RenewEvery);
        }
        return keeper.Losses;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (!options.KeepPartitions)
        {
            return;
        }
        try
        {
            await keeper.ReleaseAllAsync(cancellationToken);
        }
        catch (Exception error)
        {
            // Shutdown goes on either way.
            logger.LogWarning(error, "silo {Silo} could not let its partitions go; they free themselves when their leases run out", keeper.Silo);
        }
        try
        {
            await membership.LeaveAsync(cancellationToken);
        }
        catch (Exception error)
        {
            logger.LogWarning(error, "silo {Silo} could not mark itself dead in the membership table; another declares it when it stays silent", keeper.Silo);
        }
    }
}
