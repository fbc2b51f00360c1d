namespace ClearingCluster.Client;

/// <summary>How hard the client tries before it gives up on a request that is safe to repeat.</summary>
public sealed record ClearingClientOptions
{
    /// <summary>Repeats after the first attempt, for requests that are safe to repeat (reads and keyed writes); 0 repeats nothing.</summary>
    public int RetryAttemptsMax { get; init; } = 5;

    /// <summary>The first backoff; it doubles with jitter on each repeat, unless the Gateway says <c>Retry-After</c>.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan RetryDelayMax { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Told just before a request whose answer was lost (or was a 503) is sent again, with the repeat's number (1 for
    /// the first): for a client's logs and metrics. It must not throw or block.
    /// </summary>
    public Action<int>? OnRepeat { get; init; }

    /// <summary>One attempt's limit; an attempt over it is in doubt and, when safe, repeated.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
