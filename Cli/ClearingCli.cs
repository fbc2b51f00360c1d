using System.CommandLine;
using System.CommandLine.Help;
using ClearingCluster.Cli.Commands;
using Spectre.Console;

namespace ClearingCluster.Cli;

/// <summary>
/// <c>clearing cutoff|compute|settle|archive|show|list|adjust|statement</c>: clearing cycles for staff, through the typed
/// client like any other client of the Gateway. The entry point for the process and for tests alike.
/// </summary>
public static class ClearingCli
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliHost host, CancellationToken cancellationToken = default)
    {
        var runner = new CommandRunner(host);
        var clearing = new Command("clearing", "Clearing cycles for staff: cut off, compute, settle, archive usage, inspect, adjust, statements")
        {
            runner.Url,
            runner.Key,
            CutOffCommand.Create(runner),
            ComputeCommand.Create(runner),
            SettleCommand.Create(runner),
            ArchiveCommand.Create(runner),
            ShowCommand.Create(runner),
            ListCommand.Create(runner),
            AdjustCommand.Create(runner),
            StatementCommand.Create(runner),
        };
        // Named as staff type it, so help reads "./cluster clearing settle …" rather than the assembly's name.
        var root = new Command("./cluster", "ClearingCluster staff commands") { new HelpOption(), clearing };
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // System.CommandLine would answer 1 here, the code of a refusal; a script needs to tell the two apart.
            foreach (var error in parse.Errors)
            {
                host.Error.MarkupLine($"[red]{Markup.Escape(error.Message)}[/]");
            }
            host.Error.MarkupLine("[grey]./cluster clearing --help lists the commands and their options[/]");
            return ExitCodes.Usage;
        }
        return await parse.InvokeAsync(new InvocationConfiguration
        {
            Output = host.Out.Profile.Out.Writer,
            Error = host.Error.Profile.Out.Writer,
            // Every failure a command expects is turned into its exit code by CommandRunner; anything else is a bug, with its stack trace.
            EnableDefaultExceptionHandler = false,
            // Ctrl-C is the caller's (Program wires it to the token), so a test host's signals are left alone.
            ProcessTerminationTimeout = null,
        }, cancellationToken);
    }
}
