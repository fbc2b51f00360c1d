namespace ClearingCluster.Runtime.Reminders;

/// <summary>A grain that receives durable reminders.</summary>
[SharedGrainInterface]
public interface IRemindable : IGrain
{
    Task ReceiveReminder(string reminderName, TickStatus status);
}

/// <summary>When the tick was due and when it fired; a tick late by more than a period means ticks were missed.</summary>
public readonly record struct TickStatus(DateTimeOffset FirstTickTime, TimeSpan Period, DateTimeOffset CurrentTickTime);
