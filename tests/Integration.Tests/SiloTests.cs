using ClearingCluster.Runtime;
using ClearingCluster.Runtime.Reminders;
using ClearingCluster.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace ClearingCluster.Integration.Tests;

[Collection(PostgresCollection.Name)]
public sealed class SiloTests(TestPostgres postgres)
{
    [Fact]
    public async Task Grain_state_survives_a_restart_of_the_silo()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using (var first = await SiloHost.StartAsync(database))
        {
            await first.Grains.GetGrain<ITallyGrain>("persisted").Add(40);
            await first.Grains.GetGrain<ITallyGrain>("persisted").Add(2);
        }

        await using var second = await SiloHost.StartAsync(database);
        Assert.Equal(42, await second.Grains.GetGrain<ITallyGrain>("persisted").Total());
    }

    [Fact]
    public async Task Of_two_silos_activating_one_grain_the_stale_writer_is_refused_and_nothing_is_lost()
    {
        var database = await postgres.CreateDatabaseAsync();
        // Two silos serving one grain at once is what partition ownership prevents; this is the line behind it (the
        // version check of grain state), so ownership is not kept here.
        await using var a = await SiloHost.StartAsync(database, SiloHost.Unowned);
        await using var b = await SiloHost.StartAsync(database, SiloHost.Unowned);
        await a.Grains.GetGrain<ITallyGrain>("contested").Add(1);
        Assert.Equal(1, await b.Grains.GetGrain<ITallyGrain>("contested").Total());

        Assert.Equal(11, await a.Grains.GetGrain<ITallyGrain>("contested").Add(10));
        // b's activation still holds version 1: its write must fail rather than overwrite a's.
        await Assert.ThrowsAsync<InconsistentStateException>(() => b.Grains.GetGrain<ITallyGrain>("contested").Add(100));

        // b dropped its activation; its next call reloads the winner's state and succeeds.
        Assert.Equal(111, await b.Grains.GetGrain<ITallyGrain>("contested").Add(100));
        await using var check = await SiloHost.StartAsync(database, SiloHost.Unowned);
        Assert.Equal(111, await check.Grains.GetGrain<ITallyGrain>("contested").Total());
    }

    [Fact]
    public async Task A_reminder_is_durable_across_a_restart()
    {
        var database = await postgres.CreateDatabaseAsync();
        var fast = new Dictionary<string, string?>
        {
            ["Clearing:Runtime:ReminderPollPeriod"] = "00:00:00.020",
            ["Clearing:Runtime:ReminderPeriodMin"] = "00:00:00.020",
            // The clearing cut-off schedule is a reminder too: off here, so the count below is the tally's alone.
            ["Clearing:Cycles:CutOffEvery"] = "00:00:00",
        };
        await using (var first = await SiloHost.StartAsync(database, fast))
        {
            await first.Grains.GetGrain<ITallyGrain>("reminded").RemindEvery(periodMs: 50);
        }

        // Nothing calls the grain in the second silo: only the stored reminder can activate it.
        await using var second = await SiloHost.StartAsync(database, fast);
        await second.Services.GetRequiredService<Signals>().When("reminded:tick");
        Assert.Equal(1, second.Runtime.Reminders.Count);
    }
}
