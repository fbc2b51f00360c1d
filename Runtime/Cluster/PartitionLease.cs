namespace ClearingCluster.Runtime.Cluster;

/// <summary>
/// A silo's own view of a partition it owns: the epoch, and the local deadline after which it stops serving — taken
/// from its monotonic clock when it <em>sent</em> the acquire or renew, not when the answer came, less a margin for
/// the clocks' rates. The database's lease starts no earlier than the send and runs the full lease, so on any clock
/// whose rate is within <see cref="ClusterTimings.ClockRateTolerance"/> of the database's, this silo stops serving
/// before anyone else can acquire the partition.
/// </summary>
public sealed class PartitionLease(int partition, ClusterTimings timings)
{
    public int Partition { get; } = partition;

    public long Epoch { get; private set; }

    /// <summary>The last epoch this silo lost or let go: a late grant in it is ignored, since after a release the next owner need not wait.</summary>
    private long finishedEpoch;

    /// <summary>On the silo's monotonic clock; <see cref="long.MinValue"/> when not owned.</summary>
    public long ServeUntilLocalMicros { get; private set; } = long.MinValue;

    public bool Serving(long localNowMicros) => Epoch > 0 && localNowMicros < ServeUntilLocalMicros;

    /// <summary>The database answered an acquire or renew that this silo sent at <paramref name="sentLocalMicros"/>.</summary>
    public void Granted(long epoch, long sentLocalMicros)
    {
        if (epoch < Epoch)
        {
            throw new InvalidOperationException($"partition {Partition}: granted epoch {epoch} after {Epoch}; epochs only grow");
        }
        if (epoch <= finishedEpoch)
        {
            return;
        }
        if (epoch > Epoch)
        {
            Epoch = epoch;
            ServeUntilLocalMicros = long.MinValue;
        }
        // A late answer to an older request never shortens nor wrongly extends: the deadline comes from the send.
        ServeUntilLocalMicros = Math.Max(ServeUntilLocalMicros, checked(sentLocalMicros + timings.SafeServeMicros));
    }

    /// <summary>Refused (another owner, an expired lease), or about to be released: serve nothing more of this epoch.</summary>
    public void Lost()
    {
        finishedEpoch = Epoch;
        ServeUntilLocalMicros = long.MinValue;
    }
}
