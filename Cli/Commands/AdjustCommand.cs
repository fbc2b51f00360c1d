using System.CommandLine;
using ClearingCluster.Cli.Tables;
using ClearingCluster.Wire;
using Spectre.Console;

namespace ClearingCluster.Cli.Commands;

/// <summary>
/// <c>adjust &lt;cycleId&gt; --id --from --to --amount --reason [--contract]</c>: record a correction against a settled
/// cycle, posted when the cycle open now settles. The id is the staff's own: running the same command again records
/// nothing new.
/// </summary>
internal static class AdjustCommand
{
    public static Command Create(CommandRunner runner)
    {
        var cycleId = CycleArgument.Create();
        var id = new Option<string>("--id") { Description = "The adjustment's id (the same id with the same terms records it once)", Required = true };
        var from = new Option<string>("--from") { Description = "The account that pays", Required = true };
        var to = new Option<string>("--to") { Description = "The account that receives", Required = true };
        var amount = new Option<long>("--amount") { Description = "The amount in µ¥ (1 ¥ = 1,000,000 µ¥)", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why, as statements will show it", Required = true };
        var contract = new Option<string?>("--contract") { Description = "The contract it corrects, if any" };
        var command = new Command("adjust", "Record a correction against a settled cycle; it is posted in the cycle open now")
        {
            cycleId, id, from, to, amount, reason, contract,
        };
        runner.Handle(command, async (client, parse, cancellationToken) =>
        {
            var request = new AdjustmentRequest(parse.GetRequiredValue(id), parse.GetRequiredValue(from), parse.GetRequiredValue(to),
                parse.GetValue(amount), parse.GetRequiredValue(reason), parse.GetValue(contract));
            var recorded = await client.RecordAdjustmentAsync(parse.GetRequiredValue(cycleId), request, cancellationToken);
            var console = runner.Host.Out;
            console.Write(AdjustmentTables.List("Adjustment recorded", [recorded]));
            console.MarkupLine($"Posted when [bold]{Markup.Escape(recorded.PostedIn)}[/] settles.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
