using System.CommandLine;
using ClearingCluster.Client;
using ClearingCluster.TestSupport;

namespace ClearingCluster.Load.Simulator;

/// <summary>
/// <c>./cluster load run --profile smoke|peak|soak|chaos|fuzz …</c>: against a running Gateway (<c>--url</c>, the
/// admin key from <c>--key</c> or <c>CLEARING_ADMIN_KEY</c>), or one it starts itself on a fresh database. Exits 0 when
/// every check held, 1 when one did not, 2 for a command it cannot run.
/// </summary>
public static class SimulatorCommand
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var profile = new Option<string>("--profile") { Description = "smoke (quick, what the tests run), peak, soak, chaos or fuzz", DefaultValueFactory = _ => "smoke" };
        profile.AcceptOnlyFromAmong([.. SimulationProfile.Names]);
        var seconds = new Option<int?>("--seconds") { Description = "How long the flows run (smoke 10, peak 60, soak 600)" };
        var warmup = new Option<int?>("--warmup") { Description = "Seconds the flows run before measuring starts (peak 15, else 0); the checks cover them too" };
        var rate = new Option<double?>("--rate") { Description = "Orders per second, open loop (latency from each order's due time); closed loop without it" };
        var usageRate = new Option<double?>("--usage-rate") { Description = "Usage records per second, open loop; closed loop without it" };
        var format = new Option<UsageEncoding?>("--format") { Description = "Usage batches as json, ndjson or binary (peak: binary, else json)" };
        var batch = new Option<int?>("--batch") { Description = $"Usage records per batch (1–{SimulationProfile.UsageBatchRecordsMax:N0})" };
        var kills = new Option<int>("--kills") { Description = "chaos: how many times the Gateway is SIGKILLed", DefaultValueFactory = _ => 50 };
        var databaseEvery = new Option<int>("--database-every") { Description = "chaos: PostgreSQL is killed too every N kills (0: never)", DefaultValueFactory = _ => 5 };
        var requests = new Option<int>("--requests") { Description = "fuzz: how many bad requests", DefaultValueFactory = _ => 100_000 };
        var url = new Option<string?>("--url") { Description = "A running Gateway (http://host:port); without it the simulator starts one on a fresh database" };
        var key = new Option<string?>("--key") { Description = "The admin key for --url (or CLEARING_ADMIN_KEY)" };
        var output = new Option<FileInfo?>("--out") { Description = "Write the result as JSON to this file" };
        var html = new Option<FileInfo?>("--html") { Description = "Write a self-contained HTML report with charts to this file" };
        var root = new RootCommand("The peak-day simulator: builds a world through the API, runs every flow at once, then checks that nothing was lost")
        {
            profile, seconds, warmup, rate, usageRate, format, batch, kills, databaseEvery, requests, url, key, output, html,
        };
        void Bound<T>(Option<T> option, Func<T, bool> holds, string rule) => option.Validators.Add(result =>
        {
            if (!holds(result.GetValueOrDefault<T>()))
            {
                result.AddError($"{option.Name} {rule}");
            }
        });
        Bound(batch, b => b is null or >= 1 and <= SimulationProfile.UsageBatchRecordsMax, $"is 1–{SimulationProfile.UsageBatchRecordsMax:N0} records");
        Bound(seconds, s => s is null or > 0, "is above 0");
        Bound(warmup, w => w is null or >= 0, "is 0 or more");
        Bound(rate, r => r is null or > 0 and < double.PositiveInfinity, "is a number of orders per second above 0");
        Bound(usageRate, r => r is null or > 0 and < double.PositiveInfinity, "is a number of records per second above 0");
        Bound(kills, k => k >= 1, "is at least 1");
        Bound(url, u => u is null || (Uri.TryCreate(u, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https"), "is an http:// or https:// address");
        Bound(requests, r => r >= 1, "is at least 1");
        Bound(databaseEvery, d => d >= 0, "is at least 0 (0: never)");
        var parse = root.Parse([.. args]);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                Console.Error.WriteLine(error.Message);
            }
            Console.Error.WriteLine("./cluster load run --help lists the options");
            return 2;
        }
        if (parse.Action is not null)
        {
            // --help (the root command has no action of its own: the run below is it).
            return await parse.InvokeAsync();
        }

        var name = parse.GetValue(profile)!;
        var options = new Settings(name, parse.GetValue(seconds), parse.GetValue(warmup), parse.GetValue(rate), parse.GetValue(usageRate), parse.GetValue(format), parse.GetValue(batch),
            parse.GetValue(kills), parse.GetValue(databaseEvery), parse.GetValue(requests), parse.GetValue(output), parse.GetValue(html));
        var address = parse.GetValue(url) is { } given ? new Uri(given) : null;
        try
        {
            if (address is null)
            {
                await using var started = await GatewayProcess.StartAsync();
                return await RunAsync(options, started.Address, started.AdminKey, started);
            }
            return await RunAgainstAsync(options, address, parse.GetValue(key));
        }
        catch (Exception failed) when (failed is ClearingProblemException or HttpRequestException)
        {
            // The exchange refused or could not be reached outside the flows (building the world, the last cycle, the checks): the run proves nothing.
            Console.Error.WriteLine($"the simulation could not go on: {failed.Message}");
            return 1;
        }
    }

    private static async Task<int> RunAgainstAsync(Settings options, Uri address, string? givenKey)
    {
        if (options.Profile == "chaos")
        {
            Console.Error.WriteLine("the chaos profile kills the Gateway it starts: run it without --url");
            return 2;
        }
        var adminKey = givenKey ?? Environment.GetEnvironmentVariable("CLEARING_ADMIN_KEY") ?? "";
        if (adminKey.Length == 0)
        {
            Console.Error.WriteLine("the simulator builds its world as admin: give the admin key with --key or CLEARING_ADMIN_KEY");
            return 2;
        }
        return await RunAsync(options, address, adminKey, started: null);
    }

    /// <summary><c>./cluster load report --from result.json --html report.html</c>: the HTML report again from a run's JSON result.</summary>
    public static async Task<int> ReportAsync(IReadOnlyList<string> args)
    {
        var from = new Option<FileInfo>("--from") { Description = "A run's result, as --out wrote it", Required = true };
        var html = new Option<FileInfo>("--html") { Description = "Where to write the report", Required = true };
        var parse = new RootCommand("The HTML report of a simulator run, from its JSON result") { from, html }.Parse([.. args]);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                Console.Error.WriteLine(error.Message);
            }
            return 2;
        }
        if (parse.Action is not null)
        {
            return await parse.InvokeAsync();
        }
        var source = parse.GetValue(from)!;
        SimulationResult? result;
        try
        {
            await using var json = source.OpenRead();
            result = await System.Text.Json.JsonSerializer.DeserializeAsync<SimulationResult>(json,
                new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web));
        }
        catch (Exception unreadable) when (unreadable is IOException or System.Text.Json.JsonException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"{source.FullName} is not a simulator result: {unreadable.Message}");
            return 2;
        }
        if (result is null)
        {
            Console.Error.WriteLine($"{source.FullName} holds no simulator result");
            return 2;
        }
        var page = parse.GetValue(html)!;
        await File.WriteAllTextAsync(page.FullName, SimulationHtmlReport.Render(result));
        Console.WriteLine($"report: {page.FullName}");
        return 0;
    }

    private sealed record Settings(string Profile, int? Seconds, int? Warmup, double? Rate, double? UsageRate, UsageEncoding? Format, int? Batch, int Kills, int DatabaseEvery,
        int Requests, FileInfo? Out, FileInfo? Html);

    private static async Task<int> RunAsync(Settings settings, Uri address, string adminKey, GatewayProcess? started)
    {
        var repeats = new RepeatCounter();
        var options = repeats.Counting(new ClearingClientOptions { RetryAttemptsMax = 10 });
        using var admin = new ClearingClient(address, adminKey, options);
        if (settings.Profile == "fuzz")
        {
            var rssBefore = started is null ? 0 : GatewayProcess.ResidentMegabytes(started.ProcessId);
            var fuzz = await SimulationRun.FuzzAsync(settings.Requests, admin, adminKey, key => new ClearingClient(address, key, options), key => Http(address, key),
                Console.Out);
            SimulationRun.Report(fuzz, Console.Out);
            if (started is not null)
            {
                Console.WriteLine($"  Gateway resident memory: {rssBefore} MB before the world and the fuzz, {GatewayProcess.ResidentMegabytes(started.ProcessId)} MB after");
            }
            return fuzz.Violations.Count == 0 && fuzz.StateChanges.Count == 0 ? 0 : 1;
        }

        var profile = SimulationProfile.Named(settings.Profile, settings.Seconds is { } s ? TimeSpan.FromSeconds(s) : null);
        profile = profile with
        {
            OrdersPerSecond = settings.Rate ?? profile.OrdersPerSecond,
            UsageRecordsPerSecond = settings.UsageRate ?? profile.UsageRecordsPerSecond,
            UsageFormat = settings.Format ?? profile.UsageFormat,
            UsageBatchRecords = settings.Batch ?? profile.UsageBatchRecords,
            Warmup = settings.Warmup is { } w ? TimeSpan.FromSeconds(w) : profile.Warmup,
        };
        Func<Action<string, string>, CancellationToken, Task<int>>? disruption = null;
        if (profile.Name == "chaos")
        {
            disruption = (report, stop) => SimulationChaos.KillAsync(started!, settings.Kills, settings.DatabaseEvery, seed: 20261129, report, stop);
        }
        var result = await SimulationRun.RunAsync(profile, admin, key => new ClearingClient(address, key, options), SimulationProgress.ForConsole(),
            disruption: disruption, memory: new GatewayMemoryProbe(Http(address, key: null)), repeats: repeats);
        if (Console.IsOutputRedirected)
        {
            SimulationSummary.Write(result, Console.Out);
        }
        else
        {
            SimulationSummary.Write(result, Spectre.Console.AnsiConsole.Console);
        }
        if (settings.Out is { } json)
        {
            await File.WriteAllTextAsync(json.FullName, SimulationRun.Json(result));
            Console.WriteLine($"result: {json.FullName}");
        }
        if (settings.Html is { } page)
        {
            await File.WriteAllTextAsync(page.FullName, SimulationHtmlReport.Render(result));
            Console.WriteLine($"report: {page.FullName}");
        }
        return result.Ok ? 0 : 1;
    }

    private static HttpClient Http(Uri address, string? key)
    {
        var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        }
        return client;
    }
}
