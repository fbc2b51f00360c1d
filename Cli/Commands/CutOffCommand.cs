using System.CommandLine;
using ClearingCluster.Cli.Tables;
using Spectre.Console;

namespace ClearingCluster.Cli.Commands;

/// <summary><c>cutoff</c>: close the open cycle at one cut across the meter shards; the next one opens.</summary>
internal static class CutOffCommand
{
    public static Command Create(CommandRunner runner)
    {
        var command = new Command("cutoff", "Close the open cycle (usage flows on into the next) and print it");
        runner.Handle(command, async (client, _, cancellationToken) =>
        {
            var console = runner.Host.Out;
            var cycle = await Spinner.RunAsync(console, "Cutting off", () => client.CutOffCycleAsync(cancellationToken));
            CyclePrinter.Print(console, cycle);
            console.MarkupLine($"Next: [bold]./cluster clearing compute {cycle.CycleId}[/]");
            return ExitCodes.Ok;
        });
        return command;
    }
}
