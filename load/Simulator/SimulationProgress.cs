using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ClearingCluster.Load.Simulator;

/// <summary>Where a run is: the second just sampled, the run so far, and the time left (none for chaos, which runs until its kills are done).</summary>
public sealed record SimulationStatus(TimeSpan Elapsed, TimeSpan? Duration, TimelinePoint Second, SimulationTally Tally, IReadOnlyList<SimulationEvent> Events);

/// <summary>
/// How a run shows its progress: a live Spectre.Console table on a terminal, or a line a second where output is a file,
/// a pipe or a test (<see cref="Lines"/>).
/// </summary>
public abstract class SimulationProgress
{
    public abstract void Say(string line);

    public abstract void Update(SimulationStatus status);

    /// <summary>Runs the simulation's flows while the progress is shown.</summary>
    public virtual Task ShowWhileAsync(Func<Task> run) => run();

    public static SimulationProgress Lines(TextWriter writer) => new LineProgress(writer);

    /// <summary>Live on an interactive terminal, lines otherwise.</summary>
    public static SimulationProgress ForConsole() =>
        AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected ? new LiveProgress(AnsiConsole.Console) : Lines(Console.Out);

    protected static string Remaining(SimulationStatus status) => status.Duration is { } d
        ? string.Create(CultureInfo.InvariantCulture, $"{status.Elapsed.TotalSeconds:0} s of {d.TotalSeconds:0} s, {Math.Max(0, (d - status.Elapsed).TotalSeconds):0} s left")
        : string.Create(CultureInfo.InvariantCulture, $"{status.Elapsed.TotalSeconds:0} s, until the disruption ends");

    private sealed class LineProgress(TextWriter writer) : SimulationProgress
    {
        private int eventsShown;

        public override void Say(string line) => writer.WriteLine(line);

        public override void Update(SimulationStatus status)
        {
            foreach (var e in status.Events.Skip(eventsShown))
            {
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {e.Second,6:0.0} s  {e.Kind}: {e.What}"));
            }
            eventsShown = status.Events.Count;
            var s = status.Second;
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {Remaining(status)}  orders {s.Orders,6}/s  usage {s.UsageRecords,8}/s  errors {Interlocked.Read(ref status.Tally.Errors)}  "
                + $"order p50/p99/p99.9 {s.OrderP50Ms:0.0}/{s.OrderP99Ms:0.0}/{s.OrderP999Ms:0.0} ms  usage batch p99 {s.UsageP99Ms:0.0} ms"));
        }
    }

    /// <summary>A table redrawn in place each second: this second beside the run so far, and the latest events.</summary>
    private sealed class LiveProgress(IAnsiConsole console) : SimulationProgress
    {
        private LiveDisplayContext? live;

        public override void Say(string line)
        {
            if (live is null)
            {
                console.WriteLine(line);
            }
        }

        public override Task ShowWhileAsync(Func<Task> run) =>
            console.Live(new Text("starting the flows…")).AutoClear(false).StartAsync(async context =>
            {
                live = context;
                try
                {
                    await run();
                }
                finally
                {
                    live = null;
                }
            });

        public override void Update(SimulationStatus status)
        {
            if (live is not { } context)
            {
                return;
            }
            context.UpdateTarget(Render(status));
            context.Refresh();
        }

        private static IRenderable Render(SimulationStatus status)
        {
            var s = status.Second;
            var tally = status.Tally;
            var orders = tally.OrderLatency.Whole;
            var usage = tally.UsageLatency.Whole;
            string Ms(double ms) => ms.ToString("0.0", CultureInfo.InvariantCulture);
            string Run(LatencyHistogram h, double q) => Ms(h.MillisecondsAt(q));
            var table = new Table().Border(TableBorder.Rounded).Title($"[bold]simulator[/] · {Remaining(status)}")
                .AddColumn("").AddColumn(new TableColumn("this second").RightAligned()).AddColumn(new TableColumn("whole run").RightAligned());
            table.AddRow("orders", $"{s.Orders:N0}/s", $"{tally.OrdersAnswered:N0}");
            table.AddRow("usage records", $"{s.UsageRecords:N0}/s", $"{Interlocked.Read(ref tally.UsageRecordsAccepted):N0} accepted");
            table.AddRow("order p50 · p99 · p99.9 (ms)", $"{Ms(s.OrderP50Ms)} · {Ms(s.OrderP99Ms)} · {Ms(s.OrderP999Ms)}",
                $"{Run(orders, 0.5)} · {Run(orders, 0.99)} · {Run(orders, 0.999)}");
            table.AddRow("usage batch p50 · p99 · p99.9 (ms)", $"{Ms(s.UsageP50Ms)} · {Ms(s.UsageP99Ms)} · {Ms(s.UsageP999Ms)}",
                $"{Run(usage, 0.5)} · {Run(usage, 0.99)} · {Run(usage, 0.999)}");
            var errors = Interlocked.Read(ref tally.Errors);
            table.AddRow("errors", s.Errors == 0 ? "0" : $"[red]{s.Errors}[/]", errors == 0 ? "0" : $"[red]{errors}[/]");
            table.AddRow("cycles settled", "", $"{Interlocked.Read(ref tally.CutOffs)}");
            if (s.GatewayMegabytes is { } mb)
            {
                table.AddRow("Gateway memory: resident · heap after GC", $"{mb} MB · {s.GatewayHeapMegabytes} MB", "");
            }
            var recent = status.Events.TakeLast(5).Select(e => new Markup(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{e.Second,6:0.0} s  {e.Kind}: {e.What}"))));
            return new Rows([table, .. recent]);
        }
    }
}
