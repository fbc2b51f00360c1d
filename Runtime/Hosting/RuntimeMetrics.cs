using System.Diagnostics.Metrics;
using ClearingCluster.Runtime.Calls;

namespace ClearingCluster.Runtime;

/// <summary>The runtime's instruments, under the meter <see cref="MeterName"/>.</summary>
public sealed class RuntimeMetrics : IDisposable
{
    public const string MeterName = "ClearingCluster.Runtime";

    private readonly Counter<long> calls;
    private readonly Counter<long> failures;
    private readonly Counter<long> refusals;
    private readonly Counter<long> timeouts;
    private readonly Counter<long> collected;
    private readonly Counter<long> moved;
    private long activations;
    private readonly Func<long> mailboxDepth;

    public RuntimeMetrics(Func<long> mailboxDepth)
    {
        this.mailboxDepth = mailboxDepth;
        Meter = new Meter(MeterName);
        calls = Meter.CreateCounter<long>("grain_calls", description: "grain calls and turns completed");
        failures = Meter.CreateCounter<long>("grain_call_failures", description: "grain calls that failed (an exception other than a refusal)");
        refusals = Meter.CreateCounter<long>("grain_call_refusals", description: "grain calls a business rule refused (the grain's answer, not a failure)");
        timeouts = Meter.CreateCounter<long>("grain_call_timeouts", description: "grain calls whose caller stopped waiting");
        collected = Meter.CreateCounter<long>("grain_deactivations", description: "activations deactivated, by reason");
        moved = Meter.CreateCounter<long>("grain_calls_moved", description: "calls refused because this silo does not serve the grain's partition now");
        Meter.CreateObservableGauge("grain_activations", () => Volatile.Read(ref activations), description: "live activations");
        Meter.CreateObservableGauge("grain_mailbox_depth", () => mailboxDepth(), description: "calls queued in all mailboxes");
    }

    public Meter Meter { get; }

    public long Activations => Volatile.Read(ref activations);

    /// <summary>Summed over activations when read (a scrape), so calls pay nothing for it.</summary>
    public long MailboxDepth => mailboxDepth();

    internal void Activated() => Interlocked.Increment(ref activations);

    internal void Deactivated(DeactivationReason reason)
    {
        Interlocked.Decrement(ref activations);
        collected.Add(1, new KeyValuePair<string, object?>("reason", reason.ToString()));
    }

    internal void CallTimedOut() => timeouts.Add(1);

    internal void Moved() => moved.Add(1);

    internal void CallCompleted(IWorkItem item, Task finished)
    {
        calls.Add(1);
        if (finished.IsCompletedSuccessfully)
        {
            return;
        }
        if (finished.Exception?.InnerException is IGrainRefusal)
        {
            refusals.Add(1);
        }
        else
        {
            failures.Add(1);
        }
    }

    public void Dispose() => Meter.Dispose();
}
