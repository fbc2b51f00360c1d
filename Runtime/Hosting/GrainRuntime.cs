using System.Collections.Concurrent;
using ClearingCluster.Runtime.Activation;
using ClearingCluster.Runtime.Calls;
using ClearingCluster.Runtime.Cluster;
using ClearingCluster.Runtime.Reminders;
using ClearingCluster.Runtime.Streams;
using Microsoft.Extensions.Logging;

namespace ClearingCluster.Runtime;

/// <summary>
/// The silo's runtime: the activation directory (one activation per grain id), call dispatch, idle
/// collection, call timeouts, reminders and streams. It is also the grain factory.
/// </summary>
public sealed class GrainRuntime : IGrainFactory, IAsyncDisposable
{
    private readonly ConcurrentDictionary<GrainId, GrainActivation> activations = new();
    private readonly ActivationCollector collector;
    private readonly LocalSiloSender sender;
    private Timer? collectionTimer;
    private Timer? timeoutTimer;
    private volatile bool stopped;
    private readonly long callTimeoutMs;
    private readonly IPartitionGuard partitions;
    private Transport.GrainCallRouter? router;

    public GrainRuntime(
        IServiceProvider services,
        GrainRuntimeOptions options,
        GrainTypeRegistry registry,
        ReminderService reminders,
        IStreamProvider streams,
        ILogger<GrainRuntime> logger,
        IPartitionGuard? partitions = null)
    {
        options.Validate();
        this.partitions = partitions ?? UnfencedPartitions.Instance;
        Services = services;
        Options = options;
        Registry = registry;
        Reminders = reminders;
        Streams = streams;
        Logger = logger;
        Metrics = new RuntimeMetrics(() => activations.Values.Sum(a => (long)a.QueuedCount));
        sender = new LocalSiloSender(this);
        collector = new ActivationCollector(RuntimeClock.ToMs(options.CollectionAge), Math.Max(1, RuntimeClock.ToMs(options.CollectionQuantum)));
        callTimeoutMs = RuntimeClock.ToMs(options.CallTimeout);
    }

    public IServiceProvider Services { get; }

    public GrainRuntimeOptions Options { get; }

    public GrainTypeRegistry Registry { get; }

    public ReminderService Reminders { get; }

    public IStreamProvider Streams { get; }

    public RuntimeMetrics Metrics { get; }

    internal ILogger Logger { get; }

    public int ActivationCount => activations.Count;

    internal int CollectorBucketCount => collector.BucketCount;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        collectionTimer = new Timer(static state => ((GrainRuntime)state!).CollectIdle(), this, Options.CollectionQuantum, Options.CollectionQuantum);
        timeoutTimer = new Timer(static state => ((GrainRuntime)state!).ExpireCalls(), this, Options.TimeoutSweepPeriod, Options.TimeoutSweepPeriod);
        await Reminders.StartAsync(this, cancellationToken, Serves);
        partitions.Gained += ReloadReminders;
    }

    private void ReloadReminders(IReadOnlyCollection<int> gained) => _ = Reminders.ReloadAsync(gained);

    /// <summary>Stops taking calls, deactivates every activation (running OnDeactivateAsync), stops timers.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        partitions.Gained -= ReloadReminders;
        await Reminders.StopAsync();
        stopped = true;
        collectionTimer?.Dispose();
        timeoutTimer?.Dispose();
        var all = activations.Values.ToArray();
        foreach (var activation in all)
        {
            activation.RequestDeactivation(DeactivationReason.RuntimeShutdown);
        }
        try
        {
            await Task.WhenAll(all.Select(a => a.Deactivated)).WaitAsync(Options.DeactivationTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            var stuck = all.Where(a => !a.Deactivated.IsCompleted).Select(a => a.GrainId.ToString()).Take(20);
            Logger.LogWarning("stopping without waiting for activations still running a call: {Grains}", string.Join(", ", stuck));
        }
    }

    /// <summary>
    /// Lets go every activation of <paramref name="handedOver"/> (this silo stopped serving them) and waits until each has
    /// finished its calls and flushes: a hand-over releases the partitions only after this, so the next owner reads all.
    /// </summary>
    public async Task DrainAsync(IReadOnlyCollection<int> handedOver, CancellationToken cancellationToken)
    {
        var leaving = activations.Values.Where(a => handedOver.Contains(a.Partition)).ToArray();
        foreach (var activation in leaving)
        {
            activation.RequestDeactivation(DeactivationReason.PartitionMoved);
        }
        try
        {
            await Task.WhenAll(leaving.Select(a => a.Deactivated)).WaitAsync(Options.DeactivationTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception late) when (late is TimeoutException or OperationCanceledException)
        {
            // Their writers are fenced by the partition's epoch: whatever they still flush after the release is refused.
            Logger.LogWarning("handing over {Count} partitions without waiting for activations still running a call", handedOver.Count);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!stopped)
        {
            await StopAsync(CancellationToken.None);
        }
        Metrics.Dispose();
    }

    public TGrainInterface GetGrain<TGrainInterface>(string key) where TGrainInterface : IGrainWithStringKey =>
        GrainProxy.Create<TGrainInterface>(sender, GrainId.Create(Registry.TypeNameFor(typeof(TGrainInterface)), key));

    public TGrainInterface GetGrain<TGrainInterface>(GrainId id) where TGrainInterface : IGrain =>
        GrainProxy.Create<TGrainInterface>(sender, id);

    public bool IsActive<TGrainInterface>(string key) where TGrainInterface : IGrainWithStringKey =>
        activations.ContainsKey(GrainId.Create(Registry.TypeNameFor(typeof(TGrainInterface)), key));

    /// <summary>
    /// Collects now every activation idle for at least <paramref name="idleAtLeast"/> (default: the collection
    /// age), without waiting for its bucket: for operators freeing memory, and for tests.
    /// </summary>
    public int CollectIdleNow(TimeSpan? idleAtLeast = null)
    {
        var now = RuntimeClock.NowMs;
        var ageMs = RuntimeClock.ToMs(idleAtLeast ?? Options.CollectionAge);
        return activations.Values.Count(a => a.TryCollect(now, ageMs));
    }

    /// <summary>Calls for partitions this silo does not serve go to <paramref name="calls"/>, which sends them to their owners.</summary>
    internal void RouteWith(Transport.GrainCallRouter calls) => router = calls;

    /// <summary>Whether this silo serves <paramref name="partition"/> now.</summary>
    internal bool Serves(int partition) => partitions.ServingEpoch(partition) is not null;

    internal void Send(GrainId target, IWorkItem item)
    {
        while (true)
        {
            if (stopped)
            {
                item.Fail(new GrainRuntimeStoppedException());
                return;
            }

            activations.TryGetValue(target, out var existing);
            var partition = existing?.Partition ?? Cluster.Partitions.Of(target);
            var epoch = partitions.ServingEpoch(partition);
            if (epoch is null)
            {
                // Lost or not held: let what is in memory go (it may be behind the new owner), and send the call to the
                // owner; a call that came from another silo is never sent on, it is refused.
                existing?.RequestDeactivation(DeactivationReason.PartitionMoved);
                if (router is not null && item is Calls.IRemotableCall { Arrived: false } call)
                {
                    router.Send(target, partition, call);
                    return;
                }
                Metrics.Moved();
                item.Fail(new PartitionMovedException(partition, target.ToString()));
                return;
            }
            // A new activation lives in the partition's epoch served now (the one just read).
            var activation = existing ?? activations.GetOrAdd(target,
                static (id, state) => new GrainActivation(state.Runtime, id, state.Partition, state.Epoch), (Runtime: this, Partition: partition, Epoch: epoch.Value));
            if (epoch != activation.PartitionEpoch)
            {
                // Held again in a newer epoch: this activation's writer carries the old one. A new activation takes the call.
                activation.RequestDeactivation(DeactivationReason.PartitionMoved);
            }
            if (item.DeadlineMs == long.MaxValue)
            {
                item.DeadlineMs = RuntimeClock.NowMs + callTimeoutMs;
            }
            switch (activation.TryEnqueue(item))
            {
                case EnqueueResult.Enqueued:
                    return;
                case EnqueueResult.Full:
                    item.Fail(new GrainMailboxFullException(target, Options.MailboxCapacity));
                    return;
                case EnqueueResult.Deactivating when activation.Deactivated.IsCompleted:
                    // Already gone from the directory (or about to be): loop to the next activation.
                    activations.TryRemove(new KeyValuePair<GrainId, GrainActivation>(target, activation));
                    continue;
                case EnqueueResult.Deactivating:
                    // The next activation may load state only after this one has finished writing its own.
                    activation.Deactivated.ContinueWith(
                        static (_, state) =>
                        {
                            var (runtime, target, item) = ((GrainRuntime, GrainId, IWorkItem))state!;
                            runtime.Send(target, item);
                        },
                        (this, target, item),
                        CancellationToken.None,
                        TaskContinuationOptions.ExecuteSynchronously,
                        TaskScheduler.Default);
                    return;
            }
        }
    }

    internal void OnActivated(GrainActivation activation)
    {
        Metrics.Activated();
        collector.Add(activation);
    }

    internal void RemoveActivation(GrainActivation activation) =>
        activations.TryRemove(new KeyValuePair<GrainId, GrainActivation>(activation.GrainId, activation));

    private void CollectIdle()
    {
        try
        {
            collector.CollectDue(RuntimeClock.NowMs);
        }
        catch (Exception error)
        {
            Logger.LogError(error, "idle collection failed");
        }
    }

    private void ExpireCalls()
    {
        var now = RuntimeClock.NowMs;
        foreach (var activation in activations.Values)
        {
            activation.ExpireCalls(now);
        }
    }

    /// <summary>The local silo as the destination of grain references. Several silos will route here by placement.</summary>
    private sealed class LocalSiloSender(GrainRuntime runtime) : IGrainCallSender
    {
        public void Send(GrainId target, IWorkItem call) => runtime.Send(target, call);
    }
}
