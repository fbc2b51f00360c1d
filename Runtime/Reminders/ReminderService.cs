using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ClearingCluster.Runtime.Reminders;

/// <summary>
/// Fires durable reminders. Loads every reminder from the table at start, keeps the schedule in memory, and
/// every poll period calls <see cref="IRemindable.ReceiveReminder"/> on each due grain (activating it if
/// needed). A tick missed while the silo was down fires once when it comes back, as in Orleans. With several
/// silos, each fires only the reminders of the partitions it serves: a call to another silo's grain would reach it, and
/// every silo firing would deliver each tick once per silo.
/// </summary>
public sealed class ReminderService(IReminderTable table, GrainRuntimeOptions options, TimeProvider time, ILogger<ReminderService> logger)
{
    public const int NameLengthMax = 128;

    private readonly ConcurrentDictionary<(GrainId, string), Scheduled> schedule = new();
    private IGrainFactory? grains;
    private ITimer? poller;
    private Func<int, bool> serves = static _ => true;

    /// <param name="served">Whether this silo serves a partition now: only those partitions' reminders fire here.</param>
    internal async Task StartAsync(IGrainFactory grainFactory, CancellationToken cancellationToken, Func<int, bool>? served = null)
    {
        grains = grainFactory;
        serves = served ?? serves;
        foreach (var entry in await table.ReadAllAsync(cancellationToken))
        {
            schedule[(entry.GrainId, entry.Name)] = new Scheduled(entry, NextTick(entry, time.GetUtcNow(), includeNow: true));
        }
        poller = time.CreateTimer(static state => ((ReminderService)state!).Poll(), this, options.ReminderPollPeriod, options.ReminderPollPeriod);
    }

    /// <summary>
    /// The silo has just taken <paramref name="partitions"/>: their grains' reminders are read again from the table, as
    /// at start (a tick missed meanwhile fires once) — the table holds what the previous owner registered or changed.
    /// </summary>
    internal async Task ReloadAsync(IReadOnlyCollection<int> partitions)
    {
        try
        {
            var taken = partitions.ToHashSet();
            var now = time.GetUtcNow();
            var stored = new HashSet<(GrainId, string)>();
            foreach (var entry in await table.ReadAllAsync(CancellationToken.None))
            {
                if (taken.Contains(Cluster.Partitions.Of(entry.GrainId)))
                {
                    stored.Add((entry.GrainId, entry.Name));
                    schedule.AddOrUpdate((entry.GrainId, entry.Name), new Scheduled(entry, NextTick(entry, now, includeNow: true)),
                        (_, held) => held.Firing ? held : new Scheduled(entry, NextTick(entry, now, includeNow: true)));
                }
            }
            // Unregistered meanwhile by the previous owner: gone from the table, so gone from here.
            foreach (var (key, held) in schedule)
            {
                if (taken.Contains(Cluster.Partitions.Of(key.Item1)) && !stored.Contains(key) && !held.Firing)
                {
                    schedule.TryRemove(new KeyValuePair<(GrainId, string), Scheduled>(key, held));
                }
            }
        }
        catch (Exception error)
        {
            logger.LogWarning(error, "reminders of {Count} partitions taken just now could not be read again; those held already fire as scheduled", partitions.Count);
        }
    }

    internal async Task StopAsync()
    {
        if (poller is not null)
        {
            await poller.DisposeAsync();
        }
    }

    public int Count => schedule.Count;

    /// <summary>When a reminder fires next on this silo, and whether it is firing now (tests: another silo's is never touched here).</summary>
    internal (DateTimeOffset NextTick, bool Firing)? ScheduleOf(GrainId grainId, string name) =>
        schedule.TryGetValue((grainId, name), out var scheduled) ? (scheduled.NextTick, scheduled.Firing) : null;

    public async Task RegisterOrUpdateAsync(GrainId grainId, string name, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Length > NameLengthMax)
        {
            throw new ArgumentException($"reminder name is {name.Length} characters; the limit is {NameLengthMax}", nameof(name));
        }
        if (period < options.ReminderPeriodMin || dueTime < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(period), $"reminder period must be at least {options.ReminderPeriodMin} and due time not negative");
        }
        var entry = new ReminderEntry(grainId, name, time.GetUtcNow() + dueTime, period);
        await table.UpsertAsync(entry, CancellationToken.None);
        schedule[(grainId, name)] = new Scheduled(entry, entry.StartAt);
    }

    public async Task UnregisterAsync(GrainId grainId, string name)
    {
        await table.RemoveAsync(grainId, name, CancellationToken.None);
        schedule.TryRemove((grainId, name), out _);
    }

    private void Poll()
    {
        var now = time.GetUtcNow();
        foreach (var (key, scheduled) in schedule)
        {
            if (scheduled.NextTick > now || scheduled.Firing || !serves(Cluster.Partitions.Of(key.Item1)))
            {
                // Not due, or another silo's to fire (read again here if this silo takes the partition).
                continue;
            }
            var firing = scheduled with { Firing = true };
            if (!schedule.TryUpdate(key, firing, scheduled))
            {
                continue;
            }
            _ = FireAsync(key, firing, now);
        }
    }

    private async Task FireAsync((GrainId, string) key, Scheduled scheduled, DateTimeOffset now)
    {
        var entry = scheduled.Entry;
        try
        {
            var target = grains!.GetGrain<IRemindable>(entry.GrainId);
            await target.ReceiveReminder(entry.Name, new TickStatus(entry.StartAt, entry.Period, LastDue(entry, now)));
        }
        catch (Exception error) when (PartitionMovedException.Caused(error))
        {
            // Another silo serves the grain and fires its reminders; this silo reads them again if it takes the partition.
            logger.LogDebug("reminder {Name} of grain {GrainId} belongs to another silo's partition", entry.Name, entry.GrainId);
        }
        catch (Exception error)
        {
            logger.LogWarning(error, "reminder {Name} of grain {GrainId} failed; it fires again next period", entry.Name, entry.GrainId);
        }
        // Only advance the schedule entry we fired: an update meanwhile replaced it and stands.
        schedule.TryUpdate(key, new Scheduled(entry, NextTick(entry, now, includeNow: false)), scheduled);
    }

    private static DateTimeOffset NextTick(ReminderEntry entry, DateTimeOffset now, bool includeNow)
    {
        if (entry.StartAt > now)
        {
            return entry.StartAt;
        }
        var candidate = LastDue(entry, now);
        // At start, a tick missed while down fires now; after a fire, the next tick is strictly later.
        return includeNow ? (candidate < now ? now : candidate) : candidate + entry.Period;
    }

    /// <summary>
    /// The latest tick due at or before <paramref name="now"/> (the first one if none yet): what a fire reports as
    /// <see cref="TickStatus.CurrentTickTime"/>. A tick fired once more (a partition taken over fires its reminders once)
    /// reports the same time, so a grain can tell it has acted on that tick already.
    /// </summary>
    private static DateTimeOffset LastDue(ReminderEntry entry, DateTimeOffset now) =>
        entry.StartAt >= now ? entry.StartAt : entry.StartAt + TimeSpan.FromTicks(entry.Period.Ticks * ((now - entry.StartAt).Ticks / entry.Period.Ticks));

    private sealed record Scheduled(ReminderEntry Entry, DateTimeOffset NextTick, bool Firing = false);
}
