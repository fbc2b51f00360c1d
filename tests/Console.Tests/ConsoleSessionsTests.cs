using ClearingCluster.Gateway.Console;

namespace ClearingCluster.Console.Tests;

/// <summary>Sessions end when idle too long or too old, and their number is bounded: on a clock the test moves.</summary>
public sealed class ConsoleSessionsTests
{
    private sealed class Clock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static readonly ConsoleOptions Options = new() { IdleTimeout = TimeSpan.FromMinutes(30), SessionLifetime = TimeSpan.FromHours(12), SessionsMax = 3 };

    [Fact]
    public void A_session_idle_longer_than_the_timeout_is_gone()
    {
        var clock = new Clock();
        var sessions = new ConsoleSessions(Options, clock);
        var session = sessions.Start("key-0123456789abcdef", "m1", ["buyer"]);

        clock.Now += TimeSpan.FromMinutes(29);
        Assert.NotNull(sessions.Find(session.Id));
        clock.Now += TimeSpan.FromMinutes(29);
        Assert.NotNull(sessions.Find(session.Id));
        clock.Now += TimeSpan.FromMinutes(31);
        Assert.Null(sessions.Find(session.Id));
        Assert.Equal(0, sessions.Count);
    }

    [Fact]
    public void A_session_in_use_still_ends_at_its_lifetime()
    {
        var clock = new Clock();
        var sessions = new ConsoleSessions(Options, clock);
        var session = sessions.Start("key-0123456789abcdef", "m1", ["buyer"]);

        for (var i = 0; i < 12 * 3; i++)
        {
            clock.Now += TimeSpan.FromMinutes(20);
            Assert.NotNull(sessions.Find(session.Id));
        }
        clock.Now += TimeSpan.FromMinutes(1);
        Assert.Null(sessions.Find(session.Id));
    }

    [Fact]
    public void At_the_bound_the_longest_idle_session_makes_way_and_ids_are_unguessable()
    {
        var clock = new Clock();
        var sessions = new ConsoleSessions(Options, clock);
        var first = sessions.Start("key-a-0123456789abcdef", "m1", ["buyer"]);
        clock.Now += TimeSpan.FromMinutes(1);
        var second = sessions.Start("key-b-0123456789abcdef", "m2", ["buyer"]);
        clock.Now += TimeSpan.FromMinutes(1);
        var third = sessions.Start("key-c-0123456789abcdef", "m3", ["buyer"]);
        clock.Now += TimeSpan.FromMinutes(1);
        Assert.NotNull(sessions.Find(first.Id));

        var fourth = sessions.Start("key-d-0123456789abcdef", "m4", ["buyer"]);

        Assert.Equal(3, sessions.Count);
        Assert.Null(sessions.Find(second.Id));
        Assert.NotNull(sessions.Find(first.Id));
        Assert.NotNull(sessions.Find(third.Id));
        Assert.NotNull(sessions.Find(fourth.Id));
        Assert.Equal(43, fourth.Id.Length);
        Assert.Null(sessions.Find(null));
        Assert.Null(sessions.Find("guessed"));
    }

    [Theory]
    [InlineData(1_234_567_890, "zh-CN", "¥1,234.56")]
    [InlineData(1_234_567_890, "en", "¥1,234.56")]
    [InlineData(9_999, "en", "¥0.00")]
    [InlineData(-1_005_000, "en", "-¥1.00")]
    [InlineData(long.MinValue, "en", "-¥9,223,372,036,854.77")]
    public void Money_shows_as_yuan_with_two_decimals_truncated_toward_zero(long micros, string language, string shown) =>
        Assert.Equal(shown, new ConsoleText(language).Yuan(micros));
}
