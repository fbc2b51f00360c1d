namespace ClearingCluster.Runtime.Reminders;

/// <summary>A durable reminder: fires at <see cref="StartAt"/> and every <see cref="Period"/> after it.</summary>
public sealed record ReminderEntry(GrainId GrainId, string Name, DateTimeOffset StartAt, TimeSpan Period);

/// <summary>Where reminders are kept so they survive restarts (PostgreSQL in the silo, memory in unit tests).</summary>
public interface IReminderTable
{
    Task<IReadOnlyList<ReminderEntry>> ReadAllAsync(CancellationToken cancellationToken);

    Task UpsertAsync(ReminderEntry entry, CancellationToken cancellationToken);

    Task<bool> RemoveAsync(GrainId grainId, string name, CancellationToken cancellationToken);
}

public sealed class MemoryReminderTable : IReminderTable
{
    private readonly Dictionary<(GrainId, string), ReminderEntry> entries = [];

    public Task<IReadOnlyList<ReminderEntry>> ReadAllAsync(CancellationToken cancellationToken)
    {
        lock (entries)
        {
            return Task.FromResult<IReadOnlyList<ReminderEntry>>([.. entries.Values]);
        }
    }

    public Task UpsertAsync(ReminderEntry entry, CancellationToken cancellationToken)
    {
        lock (entries)
        {
            entries[(entry.GrainId, entry.Name)] = entry;
        }
        return Task.CompletedTask;
    }

    public Task<bool> RemoveAsync(GrainId grainId, string name, CancellationToken cancellationToken)
    {
        lock (entries)
        {
            return Task.FromResult(entries.Remove((grainId, name)));
        }
    }
}
