using ClearingCluster.Load.Simulator;

namespace ClearingCluster.Load.Tests;

/// <summary><c>./cluster load run</c> refuses what it cannot run, at once and with exit code 2, before it starts anything.</summary>
public sealed class SimulatorCommandTests
{
    [Theory]
    [InlineData("--profile", "rush")]
    [InlineData("--batch", "0")]
    [InlineData("--batch", "10001")]
    [InlineData("--rate", "-5")]
    [InlineData("--seconds", "0")]
    [InlineData("--format", "xml")]
    [InlineData("--kills", "0")]
    [InlineData("--url", "ftp://127.0.0.1")]
    public async Task A_bad_option_is_refused_with_exit_code_2(string option, string value)
    {
        var error = Console.Error;
        using var captured = new StringWriter();
        Console.SetError(captured);
        try
        {
            Assert.Equal(2, await SimulatorCommand.RunAsync([option, value]));
        }
        finally
        {
            Console.SetError(error);
        }
        Assert.Contains("--help", captured.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chaos_against_a_gateway_it_did_not_start_is_refused()
    {
        Assert.Equal(2, await SimulatorCommand.RunAsync(["--profile", "chaos", "--url", "http://127.0.0.1:1", "--key", "k"]));
    }

    [Fact]
    public void Every_profile_the_command_offers_is_one_it_can_build()
    {
        foreach (var name in SimulationProfile.Names.Where(n => n != "fuzz"))
        {
            var profile = SimulationProfile.Named(name, null);
            Assert.Equal(name, profile.Name);
            Assert.InRange(profile.UsageBatchRecords, 1, SimulationProfile.UsageBatchRecordsMax);
        }
        Assert.Throws<ArgumentException>(() => SimulationProfile.Named("rush", null));
    }
}
