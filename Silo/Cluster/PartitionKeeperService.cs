using ClearingCluster.Runtime;
using ClearingCluster.Runtime.Cluster;
using ClearingCluster.Runtime.Transport;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ClearingCluster.Silo.Cluster;

/// <summary>
/// Runs the silo's rounds every <see cref="ClusterTimings.RenewEvery"/> from start (after the database is ready) to stop,
/// and at once when another silo hands partitions over to this one. A round: the silo's <see cref="SiloMembership"/>
/// row (joined in the first, alive in the later ones), the partition map read afresh, then the
/// <see cref="PartitionKeeper"/> — renew, hand over what another live silo should own (telling it), take what is free
/// for this one. At stop it lets every partition go and leaves. A round that fails (the database away) is logged and the
/// next one tries again; leases not renewed in time are lost, and taken again in a new epoch once the database answers.
/// </summary>
internal sealed class PartitionKeeperService : BackgroundService
{
    private readonly PartitionKeeper keeper;
    private readonly SiloMembership membership;
    private readonly ClusterTimings timings;
    private readonly ClusterOptions options;
    private readonly SiloTransport? transport;
    private readonly ILogger<PartitionKeeperService> logger;
    private readonly Meter meter = new("ClearingCluster.Cluster");
    private readonly SemaphoreSlim nudged = new(0, 1);

    /// <summary>Held for a whole round and for the leave: a round never runs beside the leave, and none runs after it.</summary>
    private readonly SemaphoreSlim rounds = new(1, 1);
    private bool left;

    public PartitionKeeperService(PartitionKeeper keeper, SiloMembership membership, ClusterTimings timings, ClusterOptions options,
        GrainRuntime runtime, ILogger<PartitionKeeperService> logger, SiloTransport? transport = null)
    {
        (this.keeper, this.membership, this.timings, this.options, this.transport, this.logger) = (keeper, membership, timings, options, transport, logger);
        keeper.Drain = runtime.DrainAsync;
        meter.CreateObservableGauge("cluster_partitions_held", () => keeper.Snapshot().Held.Count,
            description: "partitions the silo holds a lease on (summed over silos sharing a process, as in tests)");
        meter.CreateObservableGauge("cluster_partitions_serving", () => keeper.Snapshot().Serving,
            description: "partitions the silo may act for now, its local deadline not passed");
        meter.CreateObservableCounter("cluster_partition_losses", () => keeper.Losses,
            description: "partitions this silo lost because a renewal was refused or came too late");
        meter.CreateObservableCounter("cluster_partition_handovers", () => keeper.HandedOver,
            description: "partitions this silo handed over to the silo that should own them (a silo joined or came back)");
        meter.CreateObservableGauge("cluster_partition_epoch_max", () => keeper.Snapshot().Held.Select(h => h.Epoch).DefaultIfEmpty().Max(),
            description: "the highest epoch among the partitions the silo holds (epochs only grow)");
        meter.CreateObservableGauge("cluster_held_partition_epochs", () => keeper.Snapshot().Held.Sum(h => h.Epoch),
            description: "the sum of the epochs of the partitions the silo holds: it grows by one with every partition taken");
        if (transport is not null)
        {
            transport.HandOverNoticed += Nudge;
            meter.CreateObservableGauge("cluster_silos_live", () => transport.Map.Live.Count,
                description: "active silos that said they were alive within a lease, as this silo last read");
            meter.CreateObservableCounter("cluster_map_reads", () => transport.Map.Reads,
                description: "reads of the partition map: one or two per round, more when calls find it stale");
        }
    }

    public override void Dispose()
    {
        meter.Dispose();
        nudged.Dispose();
        rounds.Dispose();
        base.Dispose();
    }

    /// <summary>The first round before the silo serves: alone, it starts out holding every partition; beside others, its share.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.KeepPartitions)
        {
            transport?.Start();
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
        var losses = keeper.Losses;
        while (!stoppingToken.IsCancellationRequested)
        {
            // The next round at the latest a RenewEvery from now, sooner when partitions are handed to this silo.
            await nudged.WaitAsync(timings.RenewEvery, stoppingToken);
            losses = await KeepOnceAsync(losses, stoppingToken);
        }
    }

    private void Nudge()
    {
        try
        {
            nudged.Release();
        }
        catch (SemaphoreFullException)
        {
            // A round is due already.
        }
        catch (ObjectDisposedException)
        {
            // Stopped.
        }
    }

    /// <summary>One round; returns the losses counted so far (logged when they grew).</summary>
    private async Task<long> KeepOnceAsync(long losses, CancellationToken cancellationToken)
    {
        await rounds.WaitAsync(cancellationToken);
        try
        {
            return left ? losses : await RoundAsync(losses, cancellationToken);
        }
        finally
        {
            rounds.Release();
        }
    }

    private async Task<long> RoundAsync(long losses, CancellationToken cancellationToken)
    {
        try
        {
            // Joins in the first round, says it is alive in every later one.
            await membership.HeartbeatAsync(cancellationToken);
        }
        catch (Exception error) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(error, "silo {Silo} could not update the membership table; retrying in {Every}", keeper.Silo, timings.RenewEvery);
        }
        try
        {
            IReadOnlyCollection<string>? live = null;
            var balance = true;
            if (transport is not null)
            {
                try
                {
                    await ReadMapAsync(cancellationToken);
                }
                catch (Exception error) when (!cancellationToken.IsCancellationRequested)
                {
                    // Renew all the same (the leases must not lapse for a read), but neither hand over nor take on a stale view.
                    logger.LogWarning(error, "silo {Silo} could not read the cluster's view; it renews its leases only this round", keeper.Silo);
                    balance = false;
                }
                live = [.. transport.Map.Live.Select(s => s.Silo)];
            }
            var handedTo = await keeper.KeepAsync(cancellationToken, live, balance);
            if (keeper.Losses > losses)
            {
                logger.LogWarning("silo {Silo} lost {Count} partitions (leases not renewed in time); it takes free ones again", keeper.Silo,
                    keeper.Losses - losses);
            }
            if (transport is not null)
            {
                if (handedTo.Count > 0)
                {
                    logger.LogInformation("silo {Silo} handed partitions over to {Silos}", keeper.Silo, string.Join(", ", handedTo));
                    await transport.NotifyHandOverAsync(transport.Map.Live.Where(s => handedTo.Contains(s.Silo)));
                }
                await ReadMapAsync(cancellationToken);
            }
        }
        catch (Exception error) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(error, "silo {Silo} could not renew or take partitions; retrying in {Every}", keeper.Silo, timings.RenewEvery);
        }
        return keeper.Losses;
    }

    /// <summary>The map as it is now (not a read another caller made a moment ago: this round balances by it).</summary>
    private Task ReadMapAsync(CancellationToken cancellationToken) => transport!.Map.ReadNowAsync(timings.Lease, cancellationToken);

    /// <summary>
    /// A graceful leave while grains still run (<see cref="ClusterLeaveService"/>, stopped before the runtime): no more
    /// rounds; every partition handed over to the silo that should own it (drained first, released at once); the
    /// membership row marked dead; the others told, so they take the shares in the round that starts. Calls for those
    /// partitions wait at their callers a moment instead of a lease.
    /// </summary>
    public async Task LeaveAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (!options.KeepPartitions)
        {
            return;
        }
        // A round still running (the host's stop may not have waited for it) finishes first; none runs after.
        await rounds.WaitAsync(CancellationToken.None);
        try
        {
            if (left)
            {
                return;
            }
            left = true;
            await HandOverEverythingAsync(cancellationToken);
        }
        finally
        {
            rounds.Release();
        }
    }

    private async Task HandOverEverythingAsync(CancellationToken cancellationToken)
    {
        try
        {
            var handedTo = await keeper.HandOverAllAsync(transport?.Map.Live.Select(s => s.Silo).ToList() ?? [], cancellationToken);
            logger.LogInformation("silo {Silo} left, handing its partitions to {Silos}", keeper.Silo,
                handedTo.Count == 0 ? "no other silo (released for whichever comes)" : string.Join(", ", handedTo));
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
        if (transport is not null)
        {
            // Gone from the live silos now: the others take its partitions in the round this starts, not after a wait.
            await transport.NotifyHandOverAsync(transport.Map.Live);
        }
    }

    /// <summary>Leaves, unless <see cref="ClusterLeaveService"/> did already (it stops first), and stops the transport.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await LeaveAsync(cancellationToken);
        if (transport is not null)
        {
            await transport.StopAsync();
        }
    }
}

/// <summary>
/// Registered after the grain runtime, so stopped before it: the silo hands its partitions over while its grains can
/// still drain and its transport still carries calls (docs/CLUSTER.md, rebalancing).
/// </summary>
internal sealed class ClusterLeaveService(PartitionKeeperService keeper) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => keeper.LeaveAsync(cancellationToken);
}
