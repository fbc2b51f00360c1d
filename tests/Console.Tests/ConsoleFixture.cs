using ClearingCluster.Client;
using ClearingCluster.TestSupport;
using ClearingCluster.Wire;
using Microsoft.Playwright;

namespace ClearingCluster.Console.Tests;

/// <summary>
/// A real Gateway process (the console is served by it over real HTTP) and a real headless Chromium: Debian's
/// <c>chromium</c>, driven through Playwright with its executable path (Playwright cannot fetch its own here).
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";

    private IPlaywright? playwright;

    public GatewayProcess Gateway { get; private set; } = null!;

    public ClearingClient Admin { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var configuration = AppContext.BaseDirectory.Contains("/bin/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        // The operations charts sample twice a second here (5 s by default), so their test sees lines without waiting long.
        Environment.SetEnvironmentVariable("Clearing__Console__OperationsSampleEvery", "00:00:00.5");
        Gateway = await GatewayProcess.StartAsync(configuration);
        Admin = new ClearingClient(Gateway.Address, Gateway.AdminKey);
        if (!File.Exists(Chromium))
        {
            throw new InvalidOperationException($"the browser tests drive Debian's chromium at {Chromium}: apt-get install -y chromium (./cluster test does, as root)");
        }
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
    }

    /// <summary>An admitted member with its own key (and, with <paramref name="deposit"/>, money).</summary>
    public async Task<(string Id, string Key)> MemberAsync(string role, long deposit = 0)
    {
        var id = $"{role}-{Guid.NewGuid():N}"[..20];
        await Admin.RegisterParticipantAsync(new RegisterParticipantRequest(id, $"{id} Ltd", [role], 2));
        await Admin.ApproveParticipantAsync(id);
        if (deposit > 0)
        {
            await Admin.DepositFundsAsync(id, deposit, $"{id}-deposit");
        }
        return (id, (await Admin.IssueKeyAsync(id)).Key);
    }

    /// <summary>A provider with a product awaiting review (and, with <paramref name="listed"/>, approved and listed).</summary>
    public async Task<(string Provider, string ProviderKey, string Product)> ProductAsync(bool listed)
    {
        var (provider, key) = await MemberAsync("provider");
        var product = $"{provider}-api";
        using var client = new ClearingClient(Gateway.Address, key);
        await client.SubmitProductAsync(new SubmitProductRequest(product, provider, "Weather API", "api", "call", "weather", ["forecast"], "api"));
        if (listed)
        {
            await Admin.ReviewProductAsync(product, approve: true, "fine");
        }
        return (provider, key, product);
    }

    /// <summary>A browser of its own (cookies and all), speaking <paramref name="locale"/>.</summary>
    public async Task<IPage> PageAsync(string locale = "zh-CN")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = Gateway.Address.ToString(), Locale = locale });
        return await context.NewPageAsync();
    }

    /// <summary>
    /// Waits until the page's address ends in <paramref name="path"/> (a query may follow), by polling the address:
    /// waiting for a navigation's load state, even only the parsed document, has hung for 30 s on CI after a form's POST
    /// and redirect (a load event Playwright missed). What a test does next waits for its own elements.
    /// </summary>
    public static Task ArrivedAtAsync(IPage page, string path) =>
        Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(
            System.Text.RegularExpressions.Regex.Escape(path) + "(\\?.*)?$"));

    public async Task SignInAsync(IPage page, string key)
    {
        await page.GotoAsync("/console/signin");
        await page.FillAsync("#key", key);
        await page.ClickAsync("form:has(#key) button[type=submit]");
        await ArrivedAtAsync(page, "/console");
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        playwright?.Dispose();
        Admin?.Dispose();
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleFixture>
{
    public const string Name = "console";
}
