using System.Reflection;
using ClearingCluster.Grains.Clearing;
using ClearingCluster.Interfaces.Clearing;
using ClearingCluster.Silo.Storage;
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
        await using var silo = await SiloHost.StartAsync(database, everySecond, services =>
        {
            services.Remove(services.Single(s => s.ServiceType == typeof(IClearingStore)));
            services.AddSingleton(provider => CutOffSignal.Wrap(ActivatorUtilities.CreateInstance<PostgresClearingStore>(provider), provider.GetRequiredService<Signals>()));
        });

        // The store says when the first cycle is marked cut off: nothing but the schedule asks for it.
        await silo.Services.GetRequiredService<Signals>().When("c1:cut_off");

        var store = silo.Services.GetRequiredService<IClearingStore>();
        var first = (await store.FindAsync(ClearingGrain.CycleId(1), CancellationToken.None))!;
        Assert.Equal(CycleStatus.CutOff, first.Status);
        Assert.Contains(first.Steps, s => s.Name == "cut_off" && s.Detail!.Contains("by schedule", StringComparison.Ordinal));
        Assert.True((await store.OpenCycleAsync(CancellationToken.None)).Number > 1);
    }

    /// <summary>
    /// A scheduled tick fired again — a silo that takes the clearing grain's partition fires its reminders once — does
    /// not cut off a second cycle: the cut for that tick's time was made. The next tick cuts again.
    /// </summary>
    [Fact]
    public async Task A_scheduled_tick_fired_twice_cuts_off_once()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var silo = await SiloHost.StartAsync(database, new Dictionary<string, string?> { ["Clearing:Cycles:CutOffEvery"] = "00:00:00" });
        var clearing = silo.Grains.GetGrain<ClearingCluster.Runtime.Reminders.IRemindable>(
            new ClearingCluster.Runtime.GrainId(silo.Runtime.Registry.TypeNameFor(typeof(IClearingGrain)), IClearingGrain.Key));
        var store = silo.Services.GetRequiredService<IClearingStore>();
        var first = DateTimeOffset.UtcNow;
        var tick = new ClearingCluster.Runtime.Reminders.TickStatus(first, TimeSpan.FromHours(1), first);

        await clearing.ReceiveReminder(CycleOptions.ReminderName, tick);
        Assert.Equal(2, (await store.OpenCycleAsync(CancellationToken.None)).Number);
        await clearing.ReceiveReminder(CycleOptions.ReminderName, tick);
        Assert.Equal(2, (await store.OpenCycleAsync(CancellationToken.None)).Number);

        await clearing.ReceiveReminder(CycleOptions.ReminderName, tick with { CurrentTickTime = DateTimeOffset.UtcNow });
        Assert.Equal(3, (await store.OpenCycleAsync(CancellationToken.None)).Number);
    }

    /// <summary>Raises <c>&lt;cycle&gt;:cut_off</c> once the store has marked a cycle cut off.</summary>
    public class CutOffSignal : DispatchProxy
    {
        private IClearingStore inner = null!;
        private Signals signals = null!;

        public static IClearingStore Wrap(IClearingStore inner, Signals signals)
        {
            var proxy = Create<IClearingStore, CutOffSignal>();
            ((CutOffSignal)(object)proxy).inner = inner;
            ((CutOffSignal)(object)proxy).signals = signals;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? method, object?[]? args)
        {
            object? result;
            try
            {
                result = method!.Invoke(inner, args);
            }
            catch (TargetInvocationException error) when (error.InnerException is not null)
            {
                throw error.InnerException;
            }
            if (method.Name == nameof(IClearingStore.SetStatusAsync) && args![1] is CycleStatus.CutOff && result is Task done)
            {
                var cycle = (string)args[0]!;
                return done.ContinueWith(t =>
                {
                    t.GetAwaiter().GetResult();
                    signals.Raise($"{cycle}:cut_off");
                }, TaskScheduler.Default);
            }
            return result;
        }
    }
}
