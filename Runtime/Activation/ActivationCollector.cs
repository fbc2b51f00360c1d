using System.Collections.Concurrent;
namespace ClearingCluster.Runtime.Activation;

/// <summary>
/// Collects idle activations. Each activation sits in exactly one time bucket (its earliest possible
/// collection time, rounded up to the quantum), so memory is one entry per activation and nothing is done per
/// call. When a bucket falls due, each of its activations is collected if still idle, or moved to the bucket of
/// its new due time.
/// </summary>
internal sealed class ActivationCollector(long ageMs, long quantumMs)
{
    private readonly ConcurrentDictionary<long, ConcurrentQueue<GrainActivation>> buckets = new();

    public int BucketCount => buckets.Count;

    public void Add(GrainActivation activation)
    {
        var due = activation.LastActiveMs + ageMs;
        var bucket = (due + quantumMs - 1) / quantumMs;
        buckets.GetOrAdd(bucket, static _ => new ConcurrentQueue<GrainActivation>()).Enqueue(activation);
    }

    /// <returns>How many activations started deactivating.</returns>
    public int CollectDue(long nowMs)
    {
        var collectedCount = 0;
        var nowBucket = nowMs / quantumMs;
        foreach (var bucket in buckets.Keys)
        {
            if (bucket > nowBucket || !buckets.TryRemove(bucket, out var due))
            {
                continue;
            }
            while (due.TryDequeue(out var activation))
            {
                if (activation.TryCollect(nowMs, ageMs))
                {
                    collectedCount++;
                }
                else if (activation.Status is ActivationStatus.Active or ActivationStatus.Activating)
                {
                    Add(activation);
                }
            }
        }
        return collectedCount;
    }
}
