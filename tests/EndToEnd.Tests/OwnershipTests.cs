using System.Net;
using System.Net.Http.Json;
using ClearingCluster.TestSupport;

namespace ClearingCluster.EndToEnd.Tests;

/// <summary>
/// A Gateway owns its data directory and the PostgreSQL it runs there: a second start on the same data refuses at once
/// and touches nothing, and a server that dies under a running Gateway is started again, readiness coming back.
/// </summary>
public sealed class OwnershipTests
{
    private static string Configuration => AppContext.BaseDirectory.Contains("/bin/Release/", StringComparison.Ordinal) ? "Release" : "Debug";

    [Fact]
    public async Task A_second_start_on_the_same_data_refuses_naming_the_owner_and_the_first_runs_on()
    {
        await using var gateway = await GatewayProcess.StartAsync(Configuration);
        var owner = await File.ReadAllTextAsync(Path.Combine(gateway.DataDirectory, "owner.pid"));

        var (exitCode, error) = await gateway.StartRivalAsync();

        Assert.Equal(3, exitCode);
        Assert.Contains($"is in use by process {owner.Trim()}", error);
        using var admin = gateway.Client(gateway.AdminKey);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/v1/whoami")).StatusCode);
    }

    [Fact]
    public async Task A_database_server_that_dies_is_started_again_and_readiness_comes_back()
    {
        await using var gateway = await GatewayProcess.StartAsync(Configuration);
        using var admin = gateway.Client(gateway.AdminKey);
        var postmaster = int.Parse((await File.ReadAllLinesAsync(Path.Combine(gateway.DataDirectory, "pg", "postmaster.pid")))[0],
            System.Globalization.CultureInfo.InvariantCulture);

        using (var kill = System.Diagnostics.Process.Start("kill", ["-KILL", postmaster.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        // Waits for readiness, which the Gateway reports, with a deadline rather than a fixed sleep.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var sawDown = false;
        while (true)
        {
            var ready = await admin.GetAsync("/health/ready", deadline.Token);
            if (ready.StatusCode == HttpStatusCode.OK && sawDown)
            {
                break;
            }
            sawDown |= ready.StatusCode != HttpStatusCode.OK;
            if (ready.StatusCode == HttpStatusCode.OK && File.Exists(Path.Combine(gateway.DataDirectory, "pg", "postmaster.pid"))
                && (await File.ReadAllLinesAsync(Path.Combine(gateway.DataDirectory, "pg", "postmaster.pid"), deadline.Token))[0] != postmaster.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                break;
            }
            await Task.Delay(100, deadline.Token);
        }
        var restarted = (await File.ReadAllLinesAsync(Path.Combine(gateway.DataDirectory, "pg", "postmaster.pid")))[0];
        Assert.NotEqual(postmaster.ToString(System.Globalization.CultureInfo.InvariantCulture), restarted);
        // And it works again: a participant is admitted through it.
        (await admin.PostAsJsonAsync("/v1/participants", new { id = "after-restart", name = "After", roles = new[] { "buyer" }, tier = 1 })).EnsureSuccessStatusCode();
    }
}
