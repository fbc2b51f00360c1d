using ClearingCluster.Grains.Clearing;
using ClearingCluster.Interfaces.Clearing;
using ClearingCluster.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace ClearingCluster.Integration.Tests;

[Collection(PostgresCollection.Name)]
public sealed class ClearingScheduleTests(TestPostgres postgres)
{
    [Fact]
    public async Task The_durable_schedule_cuts_off_with_nobody_asking_and_opens_the_next_cycle()
    {
        var database = await postgres.CreateDatabaseAsync();
        var everySecond = new Dictionary<string, string?>
        {
            ["Clearing:Runtime:ReminderPollPeriod"] = "00:00:00.020",
            ["Clearing:Cycles:CutOffEvery"] = "00:00:01",
        };
        await using var silo = await SiloHost.StartAsync(database, everySecond);
        var store = silo.Services.GetRequiredService<IClearingStore>();

        // Waits on the cycles the schedule writes, with a deadline, not on time alone.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        IReadOnlyList<CycleView> cycles;
        do
        {
            await Task.Delay(20, deadline.Token);
            cycles = await store.ListAsync(null, 10, deadline.Token);
        }
        while (!cycles.Any(c => c.Status == CycleStatus.CutOff));

        // The schedule goes on cutting off every second: the first cycle is the one to look at.
        var first = (await store.FindAsync(ClearingGrain.CycleId(1), CancellationToken.None))!;
        Assert.Equal(CycleStatus.CutOff, first.Status);
        Assert.Contains(first.Steps, s => s.Name == "cut_off" && s.Detail!.Contains("by schedule", StringComparison.Ordinal));
        Assert.True((await store.OpenCycleAsync(CancellationToken.None)).Number > 1);
    }
}
