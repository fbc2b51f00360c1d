using System.Text.RegularExpressions;
using ClearingCluster.Cli;
using ClearingCluster.Client;
using ClearingCluster.Silo.Database;
using ClearingCluster.Wire;
using Spectre.Console;

using static ClearingCluster.EndToEnd.Tests.TypedOrders;

namespace ClearingCluster.EndToEnd.Tests;

/// <summary>
/// <c>./cluster clearing …</c> run in process against the real Gateway, its consoles captured: what staff see, the exit
/// codes scripts rely on, and that a command refused or declined changed nothing. Every test leaves each cycle before
/// the open one settled, as the other tests of the collection expect.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ClearingCommandTests(GatewayFixture fixture)
{
    private readonly Exchange exchange = new(fixture.Gateway, GatewayFixture.AdminKey);

    [Theory]
    [InlineData(1_234_560_000, "¥1,234.56 (1,234,560,000 µ¥)")]
    [InlineData(0, "¥0.00 (0 µ¥)")]
    [InlineData(5_000, "¥0.01 (5,000 µ¥)")]
    [InlineData(4_999, "¥0.00 (4,999 µ¥)")]
    [InlineData(-2_500_000_000, "-¥2,500.00 (-2,500,000,000 µ¥)")]
    [InlineData(long.MaxValue, "¥9,223,372,036,854.78 (9,223,372,036,854,775,807 µ¥)")]
    public void Money_shows_yen_to_the_cent_and_the_exact_micros(long micros, string shown) =>
        Assert.Equal(shown, Money.Format(micros));

    [Fact]
    public async Task List_shows_the_cycles_newest_first()
    {
        var (key, staff) = await StaffAsync();
        await Exchange.SettleAllOpenAsync(staff);
        var settled = await CycleThroughAsync(staff);
        var open = (await staff.ListCyclesAsync(limit: 1)).Cycles[0];

        var run = await RunAsync("clearing", "list", "--limit", "2", "--key", key);

        Assert.Equal(ExitCodes.Ok, run.Exit);
        Assert.True(Cell(run.Out, open.CycleId).Index < Cell(run.Out, settled.CycleId).Index, run.Out);
        Assert.Contains(Figures.Percentage(settled.Report!.NettingRatioBasisPoints), run.Out, StringComparison.Ordinal);
        Assert.Contains($"#{Figures.Count(settled.LedgerSeq!.Value)}", run.Out, StringComparison.Ordinal);
        Assert.Contains("older cycles: --before", run.Out, StringComparison.Ordinal);

        // The same over the network, as the process runs it: the key from the environment, the Gateway at --url.
        var overHttp = await RunAsync(new Dictionary<string, string> { ["CLEARING_KEY"] = key }, (url, apiKey) => new ClearingClient(url, apiKey),
            "clearing", "list", "--url", $"http://127.0.0.1:{fixture.Gateway.Port}");
        Assert.Equal(ExitCodes.Ok, overHttp.Exit);
        Assert.True(Cell(overHttp.Out, settled.CycleId).Success, overHttp.Out);
    }

    [Fact]
    public async Task Cutoff_compute_and_settle_with_yes_print_the_report_with_its_netting_ratio_and_nets()
    {
        var (key, staff) = await StaffAsync();
        await Exchange.SettleAllOpenAsync(staff);
        var (provider, buyer, _) = await TradedWithUsageAsync();
        var open = (await staff.ListCyclesAsync(limit: 1)).Cycles[0];

        var cutoff = await RunAsync("clearing", "cutoff", "--key", key);
        Assert.Equal(ExitCodes.Ok, cutoff.Exit);
        Assert.Contains($"Cycle {open.CycleId}", cutoff.Out, StringComparison.Ordinal);
        Assert.Contains("cut_off", cutoff.Out, StringComparison.Ordinal);

        var compute = await RunAsync("clearing", "compute", open.CycleId, "--key", key);
        Assert.Equal(ExitCodes.Ok, compute.Exit);
        var computed = await staff.GetCycleAsync(open.CycleId);
        Assert.Equal("computed", computed.Status);
        Assert.Contains($"Computing {open.CycleId}: done in", compute.Out, StringComparison.Ordinal);
        AssertShowsReport(compute.Out, computed, provider, buyer);

        var settle = await RunAsync("clearing", "settle", open.CycleId, "--yes", "--key", key);
        Assert.Equal(ExitCodes.Ok, settle.Exit);
        var settled = await staff.GetCycleAsync(open.CycleId);
        Assert.Equal("settled", settled.Status);
        Assert.Contains("settled", settle.Out, StringComparison.Ordinal);
        Assert.Contains($"#{Figures.Count(settled.LedgerSeq!.Value)}", settle.Out, StringComparison.Ordinal);
        AssertShowsReport(settle.Out, settled, provider, buyer);
        Assert.Empty(settle.Error);
    }

    [Fact]
    public async Task Settle_without_yes_on_a_console_that_cannot_answer_refuses_and_changes_nothing()
    {
        var (key, staff) = await StaffAsync();
        await Exchange.SettleAllOpenAsync(staff);
        await TradedWithUsageAsync();
        var cut = await staff.CutOffCycleAsync();
        var computed = await staff.ComputeCycleAsync(cut.CycleId);

        var run = await RunAsync("clearing", "settle", cut.CycleId, "--key", key);

        Assert.Equal(ExitCodes.Usage, run.Exit);
        Assert.Contains("--yes", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Settling", run.Out, StringComparison.Ordinal);
        var after = await staff.GetCycleAsync(cut.CycleId);
        Assert.Equal(("computed", (long?)null), (after.Status, after.LedgerSeq));
        Assert.Equal(computed.Steps.Count, after.Steps.Count);
        await staff.SettleCycleAsync(cut.CycleId);
    }

    [Fact]
    public async Task A_refusal_exits_1_printing_the_problem_type_and_detail()
    {
        var (key, staff) = await StaffAsync();
        await Exchange.SettleAllOpenAsync(staff);
        var open = (await staff.ListCyclesAsync(limit: 1)).Cycles[0];

        var early = await RunAsync("clearing", "compute", open.CycleId, "--key", key);
        Assert.Equal(ExitCodes.Refused, early.Exit);
        Assert.Contains("urn:clearing:problem:cycle_not_cut_off", early.Error, StringComparison.Ordinal);
        Assert.Contains(open.CycleId, early.Error, StringComparison.Ordinal);
        Assert.Equal("open", (await staff.GetCycleAsync(open.CycleId)).Status);

        var unknown = await RunAsync("clearing", "show", "c999999", "--key", key);
        Assert.Equal(ExitCodes.Refused, unknown.Exit);
        Assert.Contains("urn:clearing:problem:unknown_cycle", unknown.Error, StringComparison.Ordinal);

        var (_, memberHttp) = await exchange.MemberAsync("cbuy", "buyer");
        var member = await RunAsync("clearing", "cutoff", "--key", KeyOf(memberHttp));
        Assert.Equal(ExitCodes.Refused, member.Exit);
        Assert.Contains("urn:clearing:problem:forbidden", member.Error, StringComparison.Ordinal);
        Assert.Equal(open.CycleId, (await staff.ListCyclesAsync(limit: 1)).Cycles[0].CycleId);
    }

    [Fact]
    public async Task Usage_errors_exit_2_before_anything_is_sent()
    {
        static ClearingClient NeverConnect(Uri url, string key) => throw new InvalidOperationException($"connected to {url} despite a usage error");

        var noKey = await RunAsync(new Dictionary<string, string>(), NeverConnect, "clearing", "list");
        Assert.Equal(ExitCodes.Usage, noKey.Exit);
        Assert.Contains("no API key", noKey.Error, StringComparison.Ordinal);
        Assert.Contains("CLEARING_KEY", noKey.Error, StringComparison.Ordinal);

        var blankKey = await RunAsync(new Dictionary<string, string> { ["CLEARING_KEY"] = "  " }, NeverConnect, "clearing", "cutoff");
        Assert.Equal(ExitCodes.Usage, blankKey.Exit);
        foreach (var args in new[]
        {
            new[] { "clearing" },
            ["clearing", "list", "--limit", "many", "--key", "k"],
            ["clearing", "settle", "--key", "k"],
            ["clearing", "adjust", "c1", "--id", "a1", "--key", "k"],
            ["clearing", "list", "--url", "127.0.0.1:5080", "--key", "k"],
            ["clearing", "reopen", "c1", "--key", "k"],
        })
        {
            var run = await RunAsync(new Dictionary<string, string>(), NeverConnect, args);
            Assert.True(run.Exit == ExitCodes.Usage, $"{string.Join(' ', args)} exited {run.Exit}: {run.Error}");
            Assert.NotEmpty(run.Error);
        }
    }

    [Fact]
    public async Task A_gateway_that_cannot_be_reached_exits_3()
    {
        var nobody = $"http://127.0.0.1:{EmbeddedPostgres.FreePort()}";
        var run = await RunAsync(new Dictionary<string, string> { ["CLEARING_KEY"] = "k" },
            (url, key) => new ClearingClient(url, key, new ClearingClientOptions { RetryDelay = TimeSpan.FromMilliseconds(1), RetryDelayMax = TimeSpan.FromMilliseconds(5) }),
            "clearing", "list", "--url", nobody);

        Assert.Equal(ExitCodes.Unreachable, run.Exit);
        Assert.Contains($"cannot reach the Gateway at {nobody}", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Adjust_show_and_statement_as_tables_csv_and_file()
    {
        var (key, staff) = await StaffAsync();
        await Exchange.SettleAllOpenAsync(staff);
        var (provider, buyer, contract) = await TradedWithUsageAsync();
        var cycle = await CycleThroughAsync(staff);

        var adjustmentId = Exchange.NewId("adj");
        string[] adjust = ["clearing", "adjust", cycle.CycleId, "--id", adjustmentId, "--from", provider, "--to", buyer, "--amount", "2500",
            "--reason", "disputed calls [refunded]", "--contract", contract, "--key", key];
        var recorded = await RunAsync(adjust);
        Assert.Equal(ExitCodes.Ok, recorded.Exit);
        Assert.Contains(adjustmentId, recorded.Out, StringComparison.Ordinal);
        Assert.Contains("disputed calls [refunded]", recorded.Out, StringComparison.Ordinal);
        Assert.Contains(Money.Format(2_500), recorded.Out, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Ok, (await RunAsync(adjust)).Exit);
        Assert.Single((await staff.ListAdjustmentsAsync(cycle.CycleId)).Adjustments);

        var show = await RunAsync("clearing", "show", cycle.CycleId, "--key", key);
        Assert.Equal(ExitCodes.Ok, show.Exit);
        Assert.Contains(adjustmentId, show.Out, StringComparison.Ordinal);
        Assert.Contains(Figures.Percentage(cycle.Report!.NettingRatioBasisPoints), show.Out, StringComparison.Ordinal);

        // Statements are the member's own, an admin's or a regulator's to read; the clearing role computes, it does not read them.
        var notStaffs = await RunAsync("clearing", "statement", buyer, cycle.CycleId, "--key", key);
        Assert.Equal(ExitCodes.Refused, notStaffs.Exit);
        Assert.Contains("urn:clearing:problem:forbidden", notStaffs.Error, StringComparison.Ordinal);
        var admin = GatewayFixture.AdminKey;
        var line = Assert.Single((await exchange.Staff.GetStatementAsync(buyer, cycle.CycleId)).Lines);
        var tables = await RunAsync("clearing", "statement", buyer, cycle.CycleId, "--key", admin);
        Assert.Equal(ExitCodes.Ok, tables.Exit);
        Assert.Contains(contract, tables.Out, StringComparison.Ordinal);
        Assert.Contains(Money.Format(line.Gross), tables.Out, StringComparison.Ordinal);
        Assert.Contains(adjustmentId, tables.Out, StringComparison.Ordinal);

        var csv = await RunAsync("clearing", "statement", buyer, cycle.CycleId, "--csv", "--key", admin);
        Assert.Equal(ExitCodes.Ok, csv.Exit);
        Assert.Equal(await exchange.Staff.GetStatementCsvAsync(buyer, cycle.CycleId), csv.Out);

        var file = Path.Combine(Path.GetTempPath(), $"{Exchange.NewId("statement")}.csv");
        try
        {
            var written = await RunAsync("clearing", "statement", buyer, cycle.CycleId, "--csv", "--out", file, "--key", admin);
            Assert.Equal(ExitCodes.Ok, written.Exit);
            Assert.Contains($"contract,{contract},", await File.ReadAllTextAsync(file), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }

        // The adjustment is posted in the cycle open now: settled here, so the next test starts clean.
        var next = await CycleThroughAsync(staff);
        Assert.Equal(2_500, next.Report!.Adjustments);
    }

    private static void AssertShowsReport(string shown, CycleResponse cycle, string provider, string buyer)
    {
        var report = cycle.Report!;
        Assert.Contains("netting ratio", shown, StringComparison.Ordinal);
        Assert.Contains(Figures.Percentage(report.NettingRatioBasisPoints), shown, StringComparison.Ordinal);
        Assert.Contains(Money.Format(report.Gross), shown, StringComparison.Ordinal);
        Assert.Contains(report.UsageHash, shown, StringComparison.Ordinal);
        Assert.Contains(report.PostingsHash, shown, StringComparison.Ordinal);
        Assert.Contains($"Nets of {cycle.CycleId}", shown, StringComparison.Ordinal);
        foreach (var participant in new[] { provider, buyer })
        {
            var net = report.Nets.Single(n => n.Participant == participant);
            Assert.Contains(Money.Format(net.Net), shown, StringComparison.Ordinal);
        }
        foreach (var step in cycle.Steps)
        {
            Assert.Contains(step.Name, shown, StringComparison.Ordinal);
        }
    }

    /// <summary>A fresh key of a member with the clearing role, and the typed client holding it.</summary>
    private async Task<(string Key, ClearingClient Client)> StaffAsync()
    {
        var (_, http) = await exchange.MemberAsync("clr", "clearing");
        return (KeyOf(http), new ClearingClient(http));
    }

    /// <summary>Where an id stands as a whole word (<c>c1</c> is not found inside <c>c12</c>).</summary>
    private static Match Cell(string shown, string id) => Regex.Match(shown, $@"(?<![\w-]){Regex.Escape(id)}(?![\w-])");

    private static string KeyOf(HttpClient http) => http.DefaultRequestHeaders.Authorization!.Parameter!;

    /// <summary>A contract with usage in the open cycle, so its report has gross, fees and nets to show.</summary>
    private async Task<(string Provider, string Buyer, string Contract)> TradedWithUsageAsync()
    {
        var (provider, providerHttp) = await exchange.MemberAsync("lprov", "provider");
        var (buyer, buyerHttp) = await exchange.MemberAsync("lbuy", "buyer");
        await exchange.DepositAsync(buyer, 100_000_000, Exchange.NewId("d"));
        var product = await exchange.ListedProductAsync(provider, providerHttp);
        var buyerClient = new ClearingClient(buyerHttp);
        await new ClearingClient(providerHttp).PlaceOrderAsync(Sell(provider, product, "s-1", 25_000, 1_000));
        var contract = Assert.Single((await buyerClient.PlaceOrderAsync(Buy(buyer, product, "b-1", 25_000, 1_000))).Contracts);
        await buyerClient.SubmitUsageAsync(new UsageBatchRequest(Exchange.NewId("meter"), 1,
            [new UsageRecordRequest(Exchange.NewId("call"), contract, DateTimeOffset.UtcNow, 321)]));
        return (provider, buyer, contract);
    }

    /// <summary>Cuts off the open cycle, computes and settles it through the typed client.</summary>
    private static async Task<CycleResponse> CycleThroughAsync(ClearingClient staff)
    {
        var cut = await staff.CutOffCycleAsync();
        await staff.ComputeCycleAsync(cut.CycleId);
        return await staff.SettleCycleAsync(cut.CycleId);
    }

    private Task<CliRun> RunAsync(params string[] args) => RunAsync(null, null, args);

    /// <summary>
    /// Runs a command with consoles over string writers that cannot prompt (as under CI), the environment given (none by
    /// default: a test never reads the machine's CLEARING_KEY), and by default the test Gateway's own HTTP client.
    /// </summary>
    private async Task<CliRun> RunAsync(IReadOnlyDictionary<string, string>? environment, Func<Uri, string, ClearingClient>? connect, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var host = new CliHost(Console(output), Console(error), name => environment?.GetValueOrDefault(name),
            connect ?? ((_, key) => new ClearingClient(fixture.Gateway.Client(key))));
        var exit = await ClearingCli.RunAsync(args, host);
        return new CliRun(exit, output.ToString(), error.ToString());
    }

    private static IAnsiConsole Console(StringWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        // Wide enough that no amount is wrapped inside its cell, so the text can be searched as printed.
        console.Profile.Width = 400;
        return console;
    }

    private sealed record CliRun(int Exit, string Out, string Error);
}
