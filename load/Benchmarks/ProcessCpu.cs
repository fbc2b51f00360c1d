using System.Globalization;

namespace ClearingCluster.Load.Benchmarks;

/// <summary>
/// CPU time (user + system) of the processes a benchmark runs on one machine, read from <c>/proc</c>: the Gateway, its
/// PostgreSQL (the postmaster and every backend it started) and the load generator itself. On a machine where all three
/// share the cores, a closed-loop rate is CPU divided by CPU per operation, so where each operation's CPU goes says
/// what a change can win.
/// </summary>
public sealed class ProcessCpu(int gatewayPid, string postgresDataDirectory)
{
    /// <summary>Kernel clock ticks per second: <c>/proc</c> counts CPU in them (USER_HZ, 100 on Linux everywhere).</summary>
    private const double TicksPerSecond = 100;

    public readonly record struct Reading(TimeSpan Gateway, TimeSpan Postgres, TimeSpan LoadGenerator)
    {
        public static Reading operator -(Reading after, Reading before) =>
            new(after.Gateway - before.Gateway, after.Postgres - before.Postgres, after.LoadGenerator - before.LoadGenerator);

        public static Reading operator +(Reading one, Reading other) =>
            new(one.Gateway + other.Gateway, one.Postgres + other.Postgres, one.LoadGenerator + other.LoadGenerator);

        /// <summary>Microseconds of CPU per operation, by process.</summary>
        public string PerOperation(double operations) => operations <= 0
            ? "no operations"
            : string.Create(CultureInfo.InvariantCulture,
                $"Gateway {Micros(Gateway, operations):0} µs + PostgreSQL {Micros(Postgres, operations):0} µs + load generator {Micros(LoadGenerator, operations):0} µs"
                + $" = {Micros(Gateway + Postgres + LoadGenerator, operations):0} µs");

        private static double Micros(TimeSpan cpu, double operations) => cpu.TotalMicroseconds / operations;
    }

    /// <summary>Not on Linux, or the processes are gone: every reading is zero rather than failing the benchmark.</summary>
    public Reading Read() => new(Of(gatewayPid), Postgres(), Of(Environment.ProcessId));

    private TimeSpan Postgres()
    {
        var pidFile = Path.Combine(postgresDataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var postmaster))
        {
            return TimeSpan.Zero;
        }
        // Backends that ended count in the postmaster's reaped children's time; the live ones each by their own.
        var total = Of(postmaster, withReapedChildren: true);
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && Fields(pid) is { } fields && int.Parse(fields[1], CultureInfo.InvariantCulture) == postmaster)
            {
                total += Cpu(fields, withReapedChildren: false);
            }
        }
        return total;
    }

    private static TimeSpan Of(int pid, bool withReapedChildren = false) => Fields(pid) is { } fields ? Cpu(fields, withReapedChildren) : TimeSpan.Zero;

    /// <summary>utime + stime (fields 14, 15), and with <paramref name="withReapedChildren"/> cutime + cstime (16, 17).</summary>
    private static TimeSpan Cpu(string[] fields, bool withReapedChildren)
    {
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        if (withReapedChildren)
        {
            ticks += long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
        }
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    /// <summary><c>/proc/PID/stat</c> after the command name (which may hold spaces): field 3 (state) is index 0.</summary>
    private static string[]? Fields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
