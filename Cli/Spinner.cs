using System.Diagnostics;
using Spectre.Console;

namespace ClearingCluster.Cli;

/// <summary>
/// A status spinner with the time elapsed while a long step (compute, settle) runs on the Gateway, so staff can tell a
/// slow step from a stuck terminal; then one line saying how long it took.
/// </summary>
internal static class Spinner
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    public static async Task<T> RunAsync<T>(IAnsiConsole console, string doing, Func<Task<T>> work)
    {
        var clock = Stopwatch.StartNew();
        T result;
        if (!console.Profile.Capabilities.Interactive || !console.Profile.Capabilities.Ansi)
        {
            // Nothing to animate into a file or a log: Spectre would print each new elapsed time as a line of its own.
            console.WriteLine($"{doing}…");
            result = await work();
        }
        else
        {
            result = await console.Status().Spinner(Spectre.Console.Spinner.Known.Dots).StartAsync($"{Markup.Escape(doing)}…", async status =>
            {
                var running = work();
                while (await Task.WhenAny(running, Task.Delay(Tick)) != running)
                {
                    status.Status($"{Markup.Escape(doing)}… {Figures.Elapsed(clock.Elapsed)}");
                }
                return await running;
            });
        }
        console.MarkupLine($"[green]{Markup.Escape(doing)}: done in {Figures.Elapsed(clock.Elapsed)}[/]");
        return result;
    }
}
