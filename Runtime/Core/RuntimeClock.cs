namespace ClearingCluster.Runtime;

/// <summary>
/// The runtime's coarse monotonic clock in milliseconds, for deadlines and idle ages: cheap enough to read on
/// every call (<see cref="Environment.TickCount64"/>), and fine-grained enough for timeouts measured in seconds.
/// </summary>
internal static class RuntimeClock
{
    public static long NowMs => Environment.TickCount64;

    public static long ToMs(TimeSpan span) => (long)span.TotalMilliseconds;
}
