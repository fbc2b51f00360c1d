namespace ClearingCluster.Runtime.Streams;

public interface IStreamProvider
{
    IAsyncStream<T> GetStream<T>(StreamId id);
}

/// <summary>
/// An in-memory event stream. Each subscriber receives every item published after it subscribed, in publish
/// order, one at a time. A subscription made inside a grain delivers each item as a turn of that grain and
/// ends when the grain deactivates.
/// </summary>
public interface IAsyncStream<T>
{
    StreamId Id { get; }

    /// <summary>
    /// Whether anyone subscribes now: a publisher may skip making items nobody would receive (a subscription that
    /// starts afterwards receives only what is published after it, as always).
    /// </summary>
    bool HasSubscribers { get; }

    /// <summary>Publishes an item; returns once every subscriber has it buffered (waits while a buffer is full).</summary>
    Task OnNextAsync(T item, CancellationToken cancellationToken = default);

    Task<StreamSubscription> SubscribeAsync(Func<T, StreamSequenceToken, Task> onNext);
}

/// <summary>The position of an item in its stream: 1 for the first item published.</summary>
public readonly record struct StreamSequenceToken(long Sequence);

public abstract class StreamSubscription : IAsyncDisposable
{
    public abstract StreamId StreamId { get; }

    public abstract Task UnsubscribeAsync();

    public ValueTask DisposeAsync() => new(UnsubscribeAsync());
}
