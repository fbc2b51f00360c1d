using ClearingCluster.TestSupport;

namespace ClearingCluster.Load.Simulator;

/// <summary>
/// The chaos profile's disruption: under the simulator's full load, SIGKILLs the Gateway it started at random moments
/// (and every few times its PostgreSQL too, as a machine crash would), and starts it again on the same data each time.
/// </summary>
public static class SimulationChaos
{
    public static async Task<int> KillAsync(GatewayProcess gateway, int kills, int databaseEvery, int seed, Action<string, string> report, CancellationToken cancellationToken)
    {
        var random = new Random(seed);
        for (var kill = 1; kill <= kills; kill++)
        {
            await Task.Delay(random.Next(300, 2_000), cancellationToken);
            var database = databaseEvery > 0 && kill % databaseEvery == 0;
            report("kill", $"{kill}/{kills}: SIGKILL to the Gateway{(database ? " and to PostgreSQL, as a machine crash" : "")}");
            if (database)
            {
                KillPostgres(gateway);
            }
            await gateway.KillAsync();
            var down = System.Diagnostics.Stopwatch.StartNew();
            await gateway.RestartAsync();
            report("restart", $"{kill}/{kills}: the Gateway answers again after {down.ElapsedMilliseconds:N0} ms");
        }
        return kills;
    }

    private static void Run(string file, params string[] arguments)
    {
        using var process = System.Diagnostics.Process.Start(file, arguments);
        process.WaitForExit();
    }

    private static void KillPostgres(GatewayProcess gateway)
    {
        var pidFile = Path.Combine(gateway.DataDirectory, "pg", "postmaster.pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).First(), out var postmaster))
        {
            // As a machine crash would: every server process at once. The postmaster is frozen first, so it cannot start
            // new children when it sees its children die, then the children, then it.
            var pid = postmaster.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Run("kill", "-STOP", pid);
            Run("pkill", "-KILL", "-P", pid);
            Run("kill", "-KILL", pid);
        }
    }
}
