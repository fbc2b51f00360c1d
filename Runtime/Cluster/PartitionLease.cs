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
        // A late answer for an epoch already superseded or finished changes nothing.
        if (epoch < Epoch || epoch <= finishedEpoch)
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

    /// <summary>
    /// A request sent while this silo held <paramref name="epochAtSend"/> was refused (another owner, an expired lease),
    /// or the silo is about to release that epoch: serve nothing more of it. A refusal of a request older than the epoch
    /// held now (an acquire answered after a later grant) changes nothing.
    /// </summary>
    public void Lost(long epochAtSend)
    {
        if (epochAtSend < Epoch)
        {
            return;
        }
        finishedEpoch = Epoch;
        ServeUntilLocalMicros = long.MinValue;
    }
}
