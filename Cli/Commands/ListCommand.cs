using System.CommandLine;
using ClearingCluster.Cli.Tables;
using Spectre.Console;

namespace ClearingCluster.Cli.Commands;

/// <summary><c>list [--limit N] [--before N]</c>: cycles newest first.</summary>
internal static class ListCommand
{
    public static Command Create(CommandRunner runner)
    {
        var limit = new Option<int>("--limit") { Description = "How many cycles (1–100)", DefaultValueFactory = _ => 20 };
        var before = new Option<long?>("--before") { Description = "Only cycles numbered below this (the next page)" };
        var command = new Command("list", "Cycles newest first: status, contracts, gross, netting ratio, ledger entry") { limit, before };
        runner.Handle(command, async (client, parse, cancellationToken) =>
        {
            var page = await client.ListCyclesAsync(parse.GetValue(before), parse.GetValue(limit), cancellationToken);
            var console = runner.Host.Out;
            console.Write(CycleTables.List(page.Cycles));
            if (page.NextBefore is { } next)
            {
                console.MarkupLine($"[grey]older cycles: --before {next}[/]");
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
