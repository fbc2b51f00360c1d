using System.CommandLine;
using ClearingCluster.Cli.Tables;

namespace ClearingCluster.Cli.Commands;

/// <summary>
/// <c>archive &lt;cycleId&gt;</c>: move a settled cycle's usage records out of the database into an archive file on the
/// silo's machine; usage flows on meanwhile. Running it again finishes an interrupted archive.
/// </summary>
internal static class ArchiveCommand
{
    public static Command Create(CommandRunner runner)
    {
        var cycleId = CycleArgument.Create();
        var command = new Command("archive", "Write a settled cycle's usage records to an archive file on the silo and drop them from the database (usage flows on)")
        {
            cycleId,
        };
        runner.Handle(command, async (client, parse, cancellationToken) =>
        {
            var id = parse.GetRequiredValue(cycleId);
            var archived = await Spinner.RunAsync(runner.Host.Out, $"Archiving {id}'s usage", () => client.ArchiveCycleUsageAsync(id, cancellationToken));
            CyclePrinter.Print(runner.Host.Out, archived);
            return ExitCodes.Ok;
        });
        return command;
    }
}
