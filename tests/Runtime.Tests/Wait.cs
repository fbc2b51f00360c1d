namespace ClearingCluster.Runtime.Tests;

/// <summary>Bounds how long a test waits for an event, so a broken runtime fails the test instead of hanging it.</summary>
public static class Wait
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    public static Task Within(this Task task) => task.WaitAsync(Limit);

    public static Task<T> Within<T>(this Task<T> task) => task.WaitAsync(Limit);
}
