using System.CommandLine;
using ClearingCluster.Cli.Tables;

namespace ClearingCluster.Cli.Commands;

/// <summary><c>show &lt;cycleId&gt;</c>: a cycle with its report, nets, steps and the adjustments that concern it.</summary>
internal static class ShowCommand
{
    public static Command Create(CommandRunner runner)
    {
        var cycleId = CycleArgument.Create();
        var command = new Command("show", "A cycle with its report, nets, steps and adjustments") { cycleId };
        runner.Handle(command, async (client, parse, cancellationToken) =>
        {
            var id = parse.GetRequiredValue(cycleId);
            var console = runner.Host.Out;
            CyclePrinter.Print(console, await client.GetCycleAsync(id, cancellationToken));
            var adjustments = (await client.ListAdjustmentsAsync(id, cancellationToken)).Adjustments;
            if (adjustments.Count > 0)
            {
                console.Write(AdjustmentTables.List($"Adjustments recorded against or posted in {id}", adjustments));
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
