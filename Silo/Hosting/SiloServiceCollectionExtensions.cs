using ClearingCluster.Grains;
using ClearingCluster.Grains.Accounts;
using ClearingCluster.Grains.Contracts;
using ClearingCluster.Grains.Ledger;
using ClearingCluster.Grains.Metering;
using ClearingCluster.Grains.Trading;
using ClearingCluster.Runtime;
using ClearingCluster.Runtime.Durability;
using ClearingCluster.Runtime.Reminders;
using ClearingCluster.Silo.Commit;
using ClearingCluster.Silo.Database;
using ClearingCluster.Silo.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ClearingCluster.Silo.Hosting;

public static class SiloServiceCollectionExtensions
{
    /// <summary>Silos started in this process so far: tests start several, and their default names must differ.</summary>
    private static int silosInProcess;

    /// <summary>
    /// Adds a whole silo: the database (started and migrated first, stopped last), PostgreSQL grain storage and
    /// reminders, and the grain runtime with every grain of the Grains project.
    /// </summary>
    public static IServiceCollection AddClearingSilo(this IServiceCollection services, IConfiguration configuration, params System.Reflection.Assembly[] moreGrainAssemblies)
    {
        var options = ClearingOptions.From(configuration);
        services.AddSingleton(options);
        services.AddSingleton<ClearingDatabase>();
        // Registered before the runtime's hosted service: started before it, stopped after it.
        services.AddHostedService<DatabaseHostedService>();
        // Next, for the same reason: partitions are held before any grain runs and let go after the last one's flush.
        services.AddSingleton<Cluster.PartitionKeeperService>();
        services.AddHostedService(provider => provider.GetRequiredService<Cluster.PartitionKeeperService>());
        services.AddKeyedSingleton<IGrainStorage, PostgresGrainStorage>(PersistentStateAttribute.DefaultStorage);
        services.AddSingleton<IReminderTable, PostgresReminderTable>();
        services.AddSingleton<IAccountStore, PostgresAccountStore>();
        services.AddSingleton<ILedgerStore, PostgresLedgerStore>();
        services.AddSingleton<ITradingStore, PostgresTradingStore>();
        services.AddSingleton<ClearingCluster.Grains.Listings.IListingStore, PostgresListingStore>();
        services.AddSingleton<ClearingCluster.Grains.Listings.Listings>();
        services.AddSingleton<IUsageStore, PostgresUsageStore>();
        services.AddSingleton<ClearingCluster.Grains.Clearing.IClearingStore, PostgresClearingStore>();
        var cycles = new ClearingCluster.Grains.Clearing.CycleOptions();
        configuration.GetSection("Clearing:Cycles").Bind(cycles);
        services.AddSingleton(cycles);
        var archive = new ClearingCluster.Grains.Clearing.ArchiveOptions { Directory = Path.Combine(options.DataDirectory, "archive") };
        configuration.GetSection("Clearing:Archive").Bind(archive);
        services.AddSingleton(archive);
        services.AddSingleton<ClearingCluster.Grains.Clearing.IUsageArchive, PostgresUsageArchive>();
        services.AddSingleton<ClearingCluster.Runtime.Cluster.IPartitionOwnership, Cluster.PostgresPartitionOwnership>();
        var leases = new ClearingCluster.Runtime.Cluster.ClusterTimings();
        configuration.GetSection("Clearing:Cluster").Bind(leases);
        leases.Validate();
        services.AddSingleton(leases);
        var cluster = new Cluster.ClusterOptions();
        configuration.GetSection("Clearing:Cluster").Bind(cluster);
        // A name only one live process can bear lets a restart take its partitions back at once (docs/CLUSTER.md).
        var exclusiveName = cluster.SiloName is not null || options.ConnectionString is null;
        cluster.SiloName ??= options.ConnectionString is null
            ? $"{Environment.MachineName}:{Path.GetFullPath(options.DataDirectory)}"
            : $"{Environment.MachineName}/{Environment.ProcessId}/{Interlocked.Increment(ref silosInProcess)}";
        cluster.Validate();
        services.AddSingleton(cluster);
        services.AddSingleton(provider => new ClearingCluster.Runtime.Cluster.PartitionKeeper(
            provider.GetRequiredService<ClearingCluster.Runtime.Cluster.IPartitionOwnership>(), leases, cluster.SiloName!,
            ClearingCluster.Runtime.Cluster.PartitionKeeper.MonotonicMicros, exclusiveName));
        services.AddSingleton<ClearingCluster.Runtime.Cluster.IMembershipTable>(provider =>
            new Cluster.PostgresMembershipTable(provider.GetRequiredService<ClearingDatabase>(), cluster.DeploymentId));
        var transport = new ClearingCluster.Runtime.Transport.TransportOptions();
        configuration.GetSection("Clearing:Transport").Bind(transport);
        transport.Validate();
        services.AddSingleton(transport);
        services.AddSingleton<ClearingCluster.Runtime.Cluster.IClusterDirectory, Cluster.PostgresClusterDirectory>();
        services.AddSingleton(provider => new ClearingCluster.Runtime.Cluster.PartitionMap(
            provider.GetRequiredService<ClearingCluster.Runtime.Cluster.IClusterDirectory>(), transport.MapRefreshAtMost));
        if (transport.Enabled && cluster.KeepPartitions)
        {
            // Calls for partitions other silos serve go to them (docs/CLUSTER.md); the keeper balances partitions between the live silos.
            services.AddSingleton(provider => new ClearingCluster.Runtime.Transport.SiloTransport(
                provider.GetRequiredService<GrainRuntime>(), provider.GetRequiredService<ClearingCluster.Runtime.Cluster.PartitionMap>(), transport, leases,
                cluster.SiloName!, cluster.Address, cluster.Port, provider.GetRequiredService<ILogger<ClearingCluster.Runtime.Transport.SiloTransport>>()));
        }
        services.AddSingleton(provider => new ClearingCluster.Runtime.Cluster.SiloMembership(
            provider.GetRequiredService<ClearingCluster.Runtime.Cluster.IMembershipTable>(), leases,
            // The row carries the transport's port as bound (0: any free one was asked for).
            () => new ClearingCluster.Runtime.Cluster.MembershipEntry(cluster.Address,
                provider.GetService<ClearingCluster.Runtime.Transport.SiloTransport>()?.Self.Port ?? cluster.Port, 0, Truncated(cluster.SiloName!, 150),
                Truncated(Environment.MachineName, 150), ClearingCluster.Runtime.Cluster.SiloStatus.Created, cluster.ProxyPort, default, default),
            provider.GetRequiredService<ILoggerFactory>().CreateLogger<ClearingCluster.Runtime.Cluster.SiloMembership>()));
        // The runtime serves, and the commit log fences, by the partitions held: unless tests drive ownership by hand.
        services.AddSingleton<ClearingCluster.Runtime.Cluster.IPartitionGuard>(provider => cluster.KeepPartitions
            ? provider.GetRequiredService<ClearingCluster.Runtime.Cluster.PartitionKeeper>()
            : ClearingCluster.Runtime.Cluster.UnfencedPartitions.Instance);
        var fees = new ClearingCluster.Grains.Clearing.FeeSchedule();
        configuration.GetSection("Clearing:Fees").Bind(fees);
        fees.Validate();
        services.AddSingleton(fees);
        AddCommitLog(services, configuration);
        var metering = new MeterOptions();
        configuration.GetSection("Clearing:Metering").Bind(metering);
        metering.Validate();
        services.AddSingleton(metering);
        services.AddSingleton<MeteringMetrics>();
        var trading = new TradingOptions();
        configuration.GetSection("Clearing:Trading").Bind(trading);
        services.AddSingleton(trading);
        services.AddSingleton<ContractDirectory>();
        services.AddSingleton<TradingReconciliation>();
        services.AddSingleton<LedgerVerifier>();
        services.AddGrainRuntime(runtime => configuration.GetSection("Clearing:Runtime").Bind(runtime), [GrainsAssembly.Reference, .. moreGrainAssemblies]);
        // After the runtime: stopped before it, so partitions are handed over while grains can still drain.
        services.AddHostedService<Cluster.ClusterLeaveService>();
        // After the runtime's hosted service: started once grains can be called.
        services.AddSingleton<EvidenceSweep>();
        services.AddHostedService<EvidenceSweepHostedService>();
        services.AddHostedService<ClearingScheduleHostedService>();
        return services;
    }

    /// <summary>The membership table's name columns hold 150 characters; a longer name keeps its end, where it differs.</summary>
    private static string Truncated(string name, int length) => name.Length <= length ? name : name[^length..];

    /// <summary>The one commit log every hot path writes through, on PostgreSQL, with a writer per item kind.</summary>
    private static void AddCommitLog(IServiceCollection services, IConfiguration configuration)
    {
        var options = new GroupCommitOptions();
        configuration.GetSection("Clearing:Commit").Bind(options);
        services.AddSingleton(options);
        services.AddSingleton<GroupCommitMetrics>();
        services.AddSingleton<ICommitStore, PostgresCommitStore>();
        services.AddSingleton<GroupCommit>();
        services.AddSingleton<ICommitItemWriter, LedgerWriter>();
        services.AddSingleton<ICommitItemWriter, UsageWriter>();
        services.AddSingleton<ICommitItemWriter, BookWriter>();
        services.AddSingleton<ICommitItemWriter, BookSnapshotWriter>();
        services.AddSingleton<ICommitItemWriter, AccountWriter>();
    }
}

internal sealed class EvidenceSweepHostedService(EvidenceSweep sweep, TradingOptions options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => options.EvidenceSweepAtStart ? sweep.RunAsync(cancellationToken) : Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Registers the durable cut-off schedule once grains can be called (and puts on the ledger a settlement a crash left out).</summary>
internal sealed class ClearingScheduleHostedService(IGrainFactory grains, ILogger<ClearingScheduleHostedService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await grains.GetGrain<ClearingCluster.Interfaces.Clearing.IClearingGrain>(ClearingCluster.Interfaces.Clearing.IClearingGrain.Key).EnsureSchedule();
        }
        catch (Exception moved) when (PartitionMovedException.Caused(moved))
        {
            // The schedule is durable; the silo that serves the clearing grain keeps it.
            logger.LogInformation("the clearing grain is served by another silo ({Reason}); it keeps the schedule", moved.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

internal sealed class DatabaseHostedService(ClearingDatabase database) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => database.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => database.StopAsync();
}
