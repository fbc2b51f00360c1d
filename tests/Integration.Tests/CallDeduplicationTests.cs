using ClearingCluster.Grains.Metering;
using ClearingCluster.Interfaces.Metering;
using ClearingCluster.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using static ClearingCluster.Integration.Tests.MeteringTests;

namespace ClearingCluster.Integration.Tests;

/// <summary>
/// A data gateway that restarts re-sends calls under new sequence numbers: within the window, a call id a contract
/// counted is refused as <c>duplicate_call</c> and billed once, across producers, restarts and forgotten windows.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CallDeduplicationTests(TestPostgres postgres)
{
    private static string Duplicate => UsageRejections.Wire(UsageRejection.DuplicateCall);

    [Fact]
    public async Task The_same_call_under_other_sequences_or_producers_counts_once_and_still_so_after_a_restart()
    {
        var database = await postgres.CreateDatabaseAsync();
        string contract;
        long at;
        await using (var silo = await SiloHost.StartAsync(database))
        {
            var options = silo.Services.GetRequiredService<MeterOptions>();
            (contract, at) = await ContractAsync(silo.Grains, "dedup", 1_000);

            Assert.Equal(3, (await Submit(silo.Grains, options, "gw", 1, new UsageRecord("call-A", contract, at, 3))).AcceptedUnits);
            var again = await Submit(silo.Grains, options, "gw", 2, new UsageRecord("call-A", contract, at, 3), new UsageRecord("call-B", contract, at, 2));
            Assert.Equal(2, again.AcceptedUnits);
            Assert.Equal([new UsageRejectionAt(0, Duplicate)], again.Rejected);
            // Another producer (a restarted gateway naming itself anew) carries the same call.
            Assert.Equal([new UsageRejectionAt(0, Duplicate)], (await Submit(silo.Grains, options, "gw-restarted", 1, new UsageRecord("call-B", contract, at, 2))).Rejected);
            // Twice in one batch: the second is the repeat.
            var inOne = await Submit(silo.Grains, options, "gw", 3, new UsageRecord("call-C", contract, at, 1), new UsageRecord("call-C", contract, at, 1));
            Assert.Equal(1, inOne.AcceptedUnits);
            Assert.Equal([new UsageRejectionAt(1, Duplicate)], inOne.Rejected);
        }
        Assert.Equal(6, await StoredUsed(database, contract));

        await using (var silo = await SiloHost.StartAsync(database))
        {
            var options = silo.Services.GetRequiredService<MeterOptions>();
            // A new process reads the window from the stored records.
            var afterRestart = await Submit(silo.Grains, options, "gw", 4, new UsageRecord("call-A", contract, at, 3), new UsageRecord("call-D", contract, at, 4));
            Assert.Equal(4, afterRestart.AcceptedUnits);
            Assert.Equal([new UsageRejectionAt(0, Duplicate)], afterRestart.Rejected);
        }
        Assert.Equal(10, await StoredUsed(database, contract));
    }

    [Fact]
    public async Task A_call_repeated_after_the_window_has_passed_counts_again()
    {
        var database = await postgres.CreateDatabaseAsync();
        var clock = new ShiftedClock();
        await using var silo = await SiloHost.StartAsync(database, new() { ["Clearing:Metering:CallIdWindow"] = "01:00:00" },
            services => services.AddSingleton<TimeProvider>(clock));
        var options = silo.Services.GetRequiredService<MeterOptions>();
        var (contract, at) = await ContractAsync(silo.Grains, "window", 1_000);

        Assert.Equal(1, (await Submit(silo.Grains, options, "gw", 1, new UsageRecord("call-A", contract, at, 1))).AcceptedUnits);
        Assert.Equal([new UsageRejectionAt(0, Duplicate)], (await Submit(silo.Grains, options, "gw", 2, new UsageRecord("call-A", contract, at, 1))).Rejected);

        clock.Shift = TimeSpan.FromHours(2);
        Assert.Equal(1, (await Submit(silo.Grains, options, "gw", 3, new UsageRecord("call-A", contract, at, 1))).AcceptedUnits);
        Assert.Equal(2, await StoredUsed(database, contract));
        var found = await silo.Services.GetRequiredService<IUsageStore>().FindCallAsync(contract, "call-A", null, CancellationToken.None);
        Assert.Equal(2, found.Count);
        Assert.All(found, f => Assert.Equal(("gw", 1L), (f.Producer, f.Units)));
    }

    [Fact]
    public async Task A_window_forgotten_to_bound_memory_is_read_again_and_still_refuses_the_repeat()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var silo = await SiloHost.StartAsync(database, new() { ["Clearing:Metering:CallIdsRememberedMax"] = "2" });
        var options = silo.Services.GetRequiredService<MeterOptions>();
        var (contract, at) = await ContractAsync(silo.Grains, "forget", 1_000);

        // Three calls are over the shard's limit of two: once durable, the contract's window is forgotten.
        Assert.Equal(3, (await Submit(silo.Grains, options, "gw", 1,
            new UsageRecord("c1", contract, at, 1), new UsageRecord("c2", contract, at, 1), new UsageRecord("c3", contract, at, 1))).AcceptedUnits);

        var repeat = await Submit(silo.Grains, options, "gw", 2, new UsageRecord("c2", contract, at, 1), new UsageRecord("c4", contract, at, 1));
        Assert.Equal(1, repeat.AcceptedUnits);
        Assert.Equal([new UsageRejectionAt(0, Duplicate)], repeat.Rejected);
        Assert.Equal(4, await StoredUsed(database, contract));
    }

    [Fact]
    public async Task A_call_older_than_what_a_restarted_shard_read_back_is_found_in_storage_when_it_comes_again()
    {
        var database = await postgres.CreateDatabaseAsync();
        var clock = new ShiftedClock();
        var settings = new Dictionary<string, string?> { ["Clearing:Metering:CallIdReadBack"] = "01:00:00" };
        string contract;
        long at;
        await using (var silo = await SiloHost.StartAsync(database, settings, services => services.AddSingleton<TimeProvider>(clock)))
        {
            (contract, at) = await ContractAsync(silo.Grains, "readback", 1_000);
            Assert.Equal(3, (await Submit(silo.Grains, silo.Services.GetRequiredService<MeterOptions>(), "gw", 1, new UsageRecord("call-A", contract, at, 3))).AcceptedUnits);
        }

        // Two hours on, a new process reads back one hour: call-A is not in memory, but still inside the 24 h window.
        clock.Shift = TimeSpan.FromHours(2);
        await using (var silo = await SiloHost.StartAsync(database, settings, services => services.AddSingleton<TimeProvider>(clock)))
        {
            var options = silo.Services.GetRequiredService<MeterOptions>();
            var resent = await Submit(silo.Grains, options, "gw-restarted", 1, new UsageRecord("call-A", contract, at, 3), new UsageRecord("call-B", contract, at, 2));
            Assert.Equal(2, resent.AcceptedUnits);
            Assert.Equal([new UsageRejectionAt(0, Duplicate)], resent.Rejected);
            // call-B, as old and new, was looked up, not found, counted, and is now known.
            Assert.Equal([new UsageRejectionAt(0, Duplicate)], (await Submit(silo.Grains, options, "gw-restarted", 2, new UsageRecord("call-B", contract, at, 2))).Rejected);
        }
        Assert.Equal(5, await StoredUsed(database, contract));
    }
}
