namespace ClearingCluster.Gateway.Console;

/// <summary>The console's bounds (configuration section <c>Clearing:Console</c>).</summary>
public sealed class ConsoleOptions
{
    /// <summary>A session unused this long ends.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>A session ends this long after sign-in, used or not.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>Sessions at once on this Gateway; the longest idle ends to make room.</summary>
    public int SessionsMax { get; set; } = 10_000;

    /// <summary>Live order-book feeds (server-sent events) open at once on this Gateway; beyond it 503 with Retry-After.</summary>
    public int LiveFeedsMax { get; set; } = 200;

    /// <summary>How often the operations charts sample this Gateway's metrics, and how far back they go.</summary>
    public TimeSpan OperationsSampleEvery { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan OperationsHistory { get; set; } = TimeSpan.FromMinutes(15);
}
