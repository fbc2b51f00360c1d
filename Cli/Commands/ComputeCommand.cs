using System.CommandLine;
using ClearingCluster.Cli.Tables;
using Spectre.Console;

namespace ClearingCluster.Cli.Commands;

/// <summary><c>compute &lt;cycleId&gt;</c>: compute a cut-off cycle (again, if computed or failed) and print its report.</summary>
internal static class ComputeCommand
{
    public static Command Create(CommandRunner runner)
    {
        var cycleId = CycleArgument.Create();
        var command = new Command("compute", "Compute a cut-off cycle (again, if computed or failed) and print its report and nets") { cycleId };
        runner.Handle(command, async (client, parse, cancellationToken) =>
        {
            var id = parse.GetRequiredValue(cycleId);
            var console = runner.Host.Out;
            var cycle = await Spinner.RunAsync(console, $"Computing {id}", () => client.ComputeCycleAsync(id, cancellationToken));
            CyclePrinter.Print(console, cycle);
            console.MarkupLine($"Next: [bold]./cluster clearing settle {cycle.CycleId}[/]");
            return ExitCodes.Ok;
        });
        return command;
    }
}
