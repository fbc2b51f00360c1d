using System.Collections.Concurrent;
using System.Threading.Channels;
using ClearingCluster.Runtime.Activation;
using ClearingCluster.Runtime.Calls;
using Microsoft.Extensions.Logging;

namespace ClearingCluster.Runtime.Streams;

/// <summary>Streams within one silo. Each subscriber has a bounded buffer and one delivery loop, which keeps order.</summary>
public sealed class InMemoryStreamProvider(GrainRuntimeOptions options, ILogger<InMemoryStreamProvider> logger) : IStreamProvider
{
    private readonly int subscriberBufferMax = options.StreamSubscriberBufferMax;
    private readonly ILogger logger = logger;
    private readonly ConcurrentDictionary<StreamId, object> streams = new();

    public IAsyncStream<T> GetStream<T>(StreamId id)
    {
        var stream = streams.GetOrAdd(id, static (key, provider) => new InMemoryStream<T>(key, provider), this);
        return stream as IAsyncStream<T>
            ?? throw new InvalidOperationException($"stream {id} carries {stream.GetType().GenericTypeArguments[0].Name}, not {typeof(T).Name}");
    }

    private sealed class InMemoryStream<T>(StreamId id, InMemoryStreamProvider provider) : IAsyncStream<T>
    {
        private readonly SemaphoreSlim publishGate = new(1, 1);
        private ImmutableSubscribers subscribers = new([]);
        private long sequence;

        public StreamId Id => id;

        public bool HasSubscribers => Volatile.Read(ref subscribers).Items.Length > 0;

        public async Task OnNextAsync(T item, CancellationToken cancellationToken = default)
        {
            // One publisher at a time, so every subscriber sees the same order.
            await publishGate.WaitAsync(cancellationToken);
            try
            {
                var token = new StreamSequenceToken(++sequence);
                foreach (var subscriber in Volatile.Read(ref subscribers).Items)
                {
                    await subscriber.Buffer.Writer.WriteAsync((item, token), cancellationToken);
                }
            }
            finally
            {
                publishGate.Release();
            }
        }

        public Task<StreamSubscription> SubscribeAsync(Func<T, StreamSequenceToken, Task> onNext)
        {
            ArgumentNullException.ThrowIfNull(onNext);
            // Subscribing from a grain turn: deliver on that grain, as its turns.
            var owner = (TaskScheduler.Current as ActivationScheduler)?.Owner;
            var subscription = new Subscriber(this, onNext, owner, provider);
            ImmutableSubscribers current, updated;
            do
            {
                current = Volatile.Read(ref subscribers);
                updated = new ImmutableSubscribers([.. current.Items, subscription]);
            }
            while (Interlocked.CompareExchange(ref subscribers, updated, current) != current);
            owner?.Own(subscription);
            subscription.Start();
            return Task.FromResult<StreamSubscription>(subscription);
        }

        private void Remove(Subscriber subscription)
        {
            ImmutableSubscribers current, updated;
            do
            {
                current = Volatile.Read(ref subscribers);
                updated = new ImmutableSubscribers([.. current.Items.Where(s => s != subscription)]);
            }
            while (Interlocked.CompareExchange(ref subscribers, updated, current) != current);
        }

        private sealed record ImmutableSubscribers(Subscriber[] Items);

        private sealed class Subscriber(InMemoryStream<T> stream, Func<T, StreamSequenceToken, Task> onNext, GrainActivation? owner, InMemoryStreamProvider provider)
            : StreamSubscription, IDisposable
        {
            private Task? loop;

            public Channel<(T Item, StreamSequenceToken Token)> Buffer { get; } =
                Channel.CreateBounded<(T, StreamSequenceToken)>(new BoundedChannelOptions(provider.subscriberBufferMax)
                {
                    SingleReader = true,
                    FullMode = BoundedChannelFullMode.Wait,
                });

            public override StreamId StreamId => stream.Id;

            public void Start() => loop = Task.Run(DeliverAsync);

            public override async Task UnsubscribeAsync()
            {
                Dispose();
                if (loop is not null)
                {
                    await loop;
                }
            }

            public void Dispose()
            {
                stream.Remove(this);
                Buffer.Writer.TryComplete();
                owner?.Disown(this);
            }

            private async Task DeliverAsync()
            {
                await foreach (var (item, token) in Buffer.Reader.ReadAllAsync())
                {
                    try
                    {
                        if (owner is null)
                        {
                            await onNext(item, token);
                        }
                        else
                        {
                            var turn = new TurnWorkItem($"stream {stream.Id}", _ => onNext(item, token), keepsAlive: true);
                            if (owner.TryEnqueue(turn, enforceCapacity: false) != EnqueueResult.Enqueued)
                            {
                                return;
                            }
                            await turn.Task;
                        }
                    }
                    catch (Exception error)
                    {
                        provider.logger.LogWarning(error, "stream {StreamId} subscriber failed on item {Sequence}", stream.Id, token.Sequence);
                    }
                }
            }
        }
    }
}
