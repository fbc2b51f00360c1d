using Microsoft.Playwright;

namespace ClearingCluster.Console.Tests;

/// <summary>The console with a keyboard only, and on a phone's screen: nothing wider than the screen, every page reachable.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class AccessibilityTests(ConsoleFixture fixture)
{
    [Fact]
    public async Task A_member_signs_in_and_reaches_its_orders_with_the_keyboard_alone()
    {
        var (member, key) = await fixture.MemberAsync("buyer", deposit: 1_000_000);
        var page = await fixture.PageAsync(locale: "en-US");
        await page.GotoAsync("/console/signin");

        // Tab from the top of the page to the key field, type, and press Enter: no mouse.
        for (var i = 0; i < 10 && await page.EvaluateAsync<string?>("document.activeElement && document.activeElement.id") != "key"; i++)
        {
            await page.Keyboard.PressAsync("Tab");
        }
        Assert.Equal("key", await page.EvaluateAsync<string?>("document.activeElement.id"));
        await page.Keyboard.TypeAsync(key);
        await page.Keyboard.PressAsync("Enter");
        await ConsoleFixture.ArrivedAtAsync(page, "/console");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync(member);

        await page.FocusAsync("a[href='/console/orders']");
        await page.Keyboard.PressAsync("Enter");
        await ConsoleFixture.ArrivedAtAsync(page, "/console/orders");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Orders");
    }

    [Theory]
    [InlineData("/console")]
    [InlineData("/console/orders")]
    [InlineData("/console/statements")]
    public async Task On_a_phone_no_page_is_wider_than_the_screen(string path)
    {
        var (_, key) = await fixture.MemberAsync("buyer", deposit: 1_000_000);
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = fixture.Gateway.Address.ToString(), Locale = "zh-CN", ViewportSize = new ViewportSize { Width = 390, Height = 844 },
        });
        var page = await context.NewPageAsync();
        await fixture.SignInAsync(page, key);

        await page.GotoAsync(path);

        var (width, screen) = (await page.EvaluateAsync<int>("document.documentElement.scrollWidth"), await page.EvaluateAsync<int>("window.innerWidth"));
        Assert.True(width <= screen, $"{path} is {width} px wide on a {screen} px screen");
    }
}
