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
        var pg = Path.Combine(gateway.DataDirectory, "pg");
        var postmaster = Postmaster(pg)!.Value.Pid;
        // The server says it is back in its lock file: a new postmaster, "ready" (PostgreSQL's status line).
        var back = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watcher = new FileSystemWatcher(pg, "postmaster.pid") { NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size };
        void Look()
        {
            if (Postmaster(pg) is { } now && now.Pid != postmaster && now.Ready)
            {
                back.TrySetResult();
            }
        }
        watcher.Created += (_, _) => Look();
        watcher.Changed += (_, _) => Look();
        watcher.EnableRaisingEvents = true;

        using (var kill = System.Diagnostics.Process.Start("kill", ["-KILL", postmaster.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        await back.Task.WaitAsync(TimeSpan.FromSeconds(90));

        // Readiness comes back with it (the client retries the 503 of a pool still finding its connections broken).
        using var typed = new ClearingCluster.Client.ClearingClient(gateway.Address, gateway.AdminKey);
        Assert.Equal("ready", (await typed.GetReadinessAsync()).Status);
        // And it works again: a participant is admitted through it.
        (await admin.PostAsJsonAsync("/v1/participants", new { id = "after-restart", name = "After", roles = new[] { "buyer" }, tier = 1 })).EnsureSuccessStatusCode();
    }

    /// <summary>The postmaster's pid and whether it says it accepts connections; null while its lock file is absent or half written.</summary>
    private static (int Pid, bool Ready)? Postmaster(string pg)
    {
        try
        {
            var lines = File.ReadAllLines(Path.Combine(pg, "postmaster.pid"));
            return lines.Length > 0 && int.TryParse(lines[0], out var pid) ? (pid, lines.Any(l => l.Trim() == "ready")) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
