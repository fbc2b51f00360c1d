using System.CommandLine;
using System.Text.Json;
using ClearingCluster.Cli.Tables;
using ClearingCluster.Client;
using Spectre.Console;

namespace ClearingCluster.Cli.Commands;

/// <summary>
/// <c>statement &lt;account&gt; &lt;cycleId&gt; [--csv] [--out file] [--after id] [--limit N]</c>: an account's statement
/// for a settled cycle, as tables, or as the Gateway's CSV; <c>--out</c> writes it to a file (CSV with <c>--csv</c>,
/// else the JSON the Gateway answers). Contract lines come a page at a time, as the Gateway pages them.
/// </summary>
internal static class StatementCommand
{
    /// <summary>The Gateway's page when no <c>--limit</c> is given.</summary>
    private const int GatewayLinesDefault = 1_000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create(CommandRunner runner)
    {
        var account = new Argument<string>("account") { Description = "The account (a participant's id, or exchange, voucher-fund, …)" };
        var cycleId = CycleArgument.Create();
        var csv = new Option<bool>("--csv") { Description = "The Gateway's CSV (amounts in µ¥) instead of tables" };
        var output = new Option<FileInfo?>("--out") { Description = "Write to this file instead of the console (CSV with --csv, else JSON)" };
        var after = new Option<string?>("--after") { Description = "Contract lines after this contract id (the next page)" };
        var limit = new Option<int?>("--limit") { Description = "Contract lines on the page (the Gateway's default 1,000, at most 10,000)" };
        var command = new Command("statement", "An account's statement for a settled cycle: balances, postings, contract lines, adjustments")
        {
            account, cycleId, csv, output, after, limit,
        };
        runner.Handle(command, async (client, parse, cancellationToken) =>
        {
            var (who, cycle, file) = (parse.GetRequiredValue(account), parse.GetRequiredValue(cycleId), parse.GetValue(output));
            var (from, size) = (parse.GetValue(after), parse.GetValue(limit));
            return parse.GetValue(csv)
                ? await CsvAsync(runner.Host, client, who, cycle, from, size, file, cancellationToken)
                : await TablesAsync(runner.Host, client, who, cycle, from, size, file, cancellationToken);
        });
        return command;
    }

    private static async Task<int> CsvAsync(CliHost host, ClearingClient client, string account, string cycleId, string? after, int? limit, FileInfo? file,
        CancellationToken cancellationToken)
    {
        var text = await client.GetStatementCsvAsync(account, cycleId, after, limit, cancellationToken);
        // The CSV carries no cursor: a full page is the only sign that more lines may follow, after its last contract.
        var contracts = text.Split("\r\n").Where(row => row.StartsWith("contract,", StringComparison.Ordinal)).ToList();
        if (contracts.Count > 0 && contracts.Count == (limit ?? GatewayLinesDefault))
        {
            host.Error.MarkupLine($"[grey]a full page of {contracts.Count} contract lines: more may follow with --after {Markup.Escape(contracts[^1].Split(',')[1])}[/]");
        }
        if (file is null)
        {
            // Straight to the writer: through the console a row wider than the terminal would be wrapped.
            await host.Out.Profile.Out.Writer.WriteAsync(text);
            await host.Out.Profile.Out.Writer.FlushAsync(cancellationToken);
        }
        else
        {
            await File.WriteAllTextAsync(file.FullName, text, cancellationToken);
            host.Out.MarkupLine($"Wrote the statement of {Markup.Escape(account)} for {Markup.Escape(cycleId)} to [bold]{Markup.Escape(file.FullName)}[/].");
        }
        return ExitCodes.Ok;
    }

    private static async Task<int> TablesAsync(CliHost host, ClearingClient client, string account, string cycleId, string? after, int? limit, FileInfo? file,
        CancellationToken cancellationToken)
    {
        var statement = await client.GetStatementAsync(account, cycleId, after, limit, cancellationToken);
        var console = host.Out;
        if (file is not null)
        {
            await File.WriteAllTextAsync(file.FullName, JsonSerializer.Serialize(statement, Json), cancellationToken);
            console.MarkupLine($"Wrote the statement of {Markup.Escape(account)} for {Markup.Escape(cycleId)} to [bold]{Markup.Escape(file.FullName)}[/].");
        }
        else
        {
            console.MarkupLine($"[bold]Statement of {Markup.Escape(account)} for {Markup.Escape(cycleId)}[/]");
            if (statement.Opening is null)
            {
                console.MarkupLine("[grey]the settlement moved none of this account's money[/]");
            }
            else
            {
                console.Write(StatementTables.Balances(statement));
            }
            console.Write(StatementTables.Postings(statement));
            console.Write(StatementTables.Lines(statement));
            if (statement.Adjustments.Count > 0)
            {
                console.Write(AdjustmentTables.List("Adjustments", statement.Adjustments));
            }
        }
        if (statement.NextAfter is { } next)
        {
            console.MarkupLine($"[grey]more contract lines: --after {Markup.Escape(next)}[/]");
        }
        return ExitCodes.Ok;
    }
}
