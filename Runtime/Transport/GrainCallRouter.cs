using System.Diagnostics;
using ClearingCluster.Runtime.Calls;
using ClearingCluster.Runtime.Cluster;

namespace ClearingCluster.Runtime.Transport;

/// <summary>
/// Sends a call for a partition this silo does not serve to the silo the map names, and completes it with that silo's
/// answer. When the map names nobody or this silo (a hand-over under way, a dead owner's lease still running), or the
/// owner refused the call before running it (it no longer serves the partition) or could not be reached, the call waits
/// and reads the map again, up to <see cref="TransportOptions.HandOverWait"/> (or its own deadline); then it is
/// answered <c>moved</c>. A call that was sent and got no answer is never sent again: it may have run.
/// </summary>
internal sealed class GrainCallRouter(GrainRuntime runtime, SiloTransport transport, PartitionMap map, TransportOptions options, ClusterTimings timings)
{
    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan LongestPause = TimeSpan.FromMilliseconds(250);

    public void Send(GrainId target, int partition, IRemotableCall call) => _ = SendAsync(target, partition, call);

    private async Task SendAsync(GrainId target, int partition, IRemotableCall call)
    {
        Debug.Assert(!call.Arrived, "a call from another silo is answered or refused, never sent on");
        var now = RuntimeClock.NowMs;
        if (call.DeadlineMs == long.MaxValue)
        {
            // Stamped once: a call that goes local and is routed again keeps its first deadline.
            call.DeadlineMs = now + RuntimeClock.ToMs(runtime.Options.CallTimeout);
        }
        var deadlineMs = call.DeadlineMs;
        var waitUntilMs = Math.Min(deadlineMs, now + RuntimeClock.ToMs(options.HandOverWait));
        var pause = FirstPause;
        var rerouted = false;
        try
        {
            while (true)
            {
                if (map.OwnerOf(partition) is { } owner && owner.Silo != transport.Self.Silo)
                {
                    var remainingMs = deadlineMs - RuntimeClock.NowMs;
                    if (remainingMs <= 0)
                    {
                        call.Fail(new GrainCallTimeoutException(target, call.Description, runtime.Options.CallTimeout));
                        return;
                    }
                    var answer = await transport.CallAsync(owner, target, call, (int)Math.Min(remainingMs, int.MaxValue)).ConfigureAwait(false);
                    if (answer.Outcome == Outcome.Ok)
                    {
                        call.SetRemoteResult(answer.Result);
                        return;
                    }
                    if (answer.Outcome != Outcome.Refused
                        || answer.Error is not (PartitionMovedException or GrainRuntimeStoppedException or SiloCallFailedException { MayHaveRun: false }))
                    {
                        call.Fail(answer.Error!);
                        return;
                    }
                    // The owner no longer serves it, is stopping, or could not be reached: nothing was done; ask the map again.
                }
                if (RuntimeClock.NowMs + (long)pause.TotalMilliseconds > waitUntilMs)
                {
                    runtime.Metrics.Moved();
                    call.Fail(new PartitionMovedException(partition, target.ToString()));
                    return;
                }
                await Task.Delay(pause).ConfigureAwait(false);
                pause = pause * 2 > LongestPause ? LongestPause : pause * 2;
                rerouted = true;
                await RefreshAsync().ConfigureAwait(false);
                if (runtime.Serves(partition))
                {
                    // Taken here meanwhile (a hand-over to this silo).
                    runtime.Send(target, call);
                    return;
                }
            }
        }
        catch (SiloCallFailedException failed)
        {
            call.Fail(failed);
        }
        catch (Exception error)
        {
            // A call that cannot be encoded (an argument over the frame limit, a type that does not serialise): nothing was sent.
            call.Fail(error);
        }
        finally
        {
            if (rerouted)
            {
                transport.Metrics.Rerouted();
            }
        }
    }

    private async Task RefreshAsync()
    {
        try
        {
            await map.RefreshAsync(timings.Lease, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            transport.MapReadFailed(error);
        }
    }
}
