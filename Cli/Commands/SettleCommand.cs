using System.CommandLine;
using ClearingCluster.Cli.Tables;
using Spectre.Console;

namespace ClearingCluster.Cli.Commands;

/// <summary>
/// <c>settle &lt;cycleId&gt; [--yes]</c>: post a computed cycle's postings to every account. It moves money, so it
/// shows the report and asks first, unless <c>--yes</c>; where nobody can answer and <c>--yes</c> is missing it refuses
/// before anything is sent.
/// </summary>
internal static class SettleCommand
{
    public static Command Create(CommandRunner runner)
    {
        var cycleId = CycleArgument.Create();
        var yes = new Option<bool>("--yes", "-y") { Description = "Settle without showing the report and asking first" };
        var command = new Command("settle", "Post a computed cycle's postings to every account (asks first unless --yes); settling again changes nothing")
        {
            cycleId,
            yes,
        };
        runner.Handle(command, async (client, parse, cancellationToken) =>
        {
            var id = parse.GetRequiredValue(cycleId);
            var console = runner.Host.Out;
            if (!parse.GetValue(yes))
            {
                if (!runner.Host.Interactive)
                {
                    throw new UsageException($"settle moves money and asks first, but this console cannot answer: pass --yes to settle {id} without asking");
                }
                CyclePrinter.Print(console, await client.GetCycleAsync(id, cancellationToken));
                var prompt = new ConfirmationPrompt($"Settle {Markup.Escape(id)}: post its postings to every account?") { DefaultValue = false };
                if (!await prompt.ShowAsync(console, cancellationToken))
                {
                    runner.Host.Error.MarkupLine($"[yellow]not settled: {Markup.Escape(id)} is as it was[/]");
                    return ExitCodes.Refused;
                }
            }
            var settled = await Spinner.RunAsync(console, $"Settling {id}", () => client.SettleCycleAsync(id, cancellationToken));
            CyclePrinter.Print(console, settled);
            return ExitCodes.Ok;
        });
        return command;
    }
}
