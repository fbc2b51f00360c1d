namespace ClearingCluster.Gateway.Console;

/// <summary>Who may watch the operations charts: the roles of the API's clearing oversight (clearing staff, admins, regulators).</summary>
public static class Operations
{
    public static bool MayWatch(ConsoleSession session) => session.Has("admin") || session.Has("clearing") || session.Has("regulator");
}
