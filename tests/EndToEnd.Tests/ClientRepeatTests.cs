using ClearingCluster.Client;
using ClearingCluster.TestSupport;

namespace ClearingCluster.EndToEnd.Tests;

/// <summary>
/// The typed client against a Gateway that is down and comes back: a request that is not safe to repeat (a cycle's
/// cut-off) is still sent again while no connection can be made, since the Gateway never saw it, and the caller is
/// told of each repeat.
/// </summary>
public sealed class ClientRepeatTests
{
    [Fact]
    public async Task A_cut_off_sent_while_the_gateway_is_down_is_repeated_until_it_is_back_and_acts_once()
    {
        var configuration = AppContext.BaseDirectory.Contains("/bin/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        await using var gateway = await GatewayProcess.StartAsync(configuration);
        using var admin = new ClearingClient(gateway.Address, gateway.AdminKey);
        await admin.RegisterParticipantAsync(new Wire.RegisterParticipantRequest("staff", "Clearing staff", ["clearing"], 3));
        await admin.ApproveParticipantAsync("staff");
        var repeats = 0;
        using var staff = new ClearingClient(gateway.Address, (await admin.IssueKeyAsync("staff")).Key, new ClearingClientOptions
        {
            RetryAttemptsMax = 12, RetryDelay = TimeSpan.FromMilliseconds(100), RetryDelayMax = TimeSpan.FromSeconds(2),
            OnRepeat = _ => Interlocked.Increment(ref repeats),
        });
        var open = (await staff.ListCyclesAsync(limit: 1)).Cycles[0];

        await gateway.KillAsync();
        var cutOff = staff.CutOffCycleAsync();
        await gateway.RestartAsync();
        var cut = await cutOff;

        Assert.Equal(open.CycleId, cut.CycleId);
        Assert.True(repeats >= 1, "the first attempt found no Gateway, so at least one repeat was sent");
        var cycles = (await staff.ListCyclesAsync(limit: 3)).Cycles;
        Assert.Equal(open.Number + 1, cycles[0].Number);
        Assert.Equal("open", cycles[0].Status);
    }
}
