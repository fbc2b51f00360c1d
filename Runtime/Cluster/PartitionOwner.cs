namespace ClearingCluster.Runtime.Cluster;

/// <summary>
/// One partition's ownership as the database holds it (<c>partition_owner</c>, docs/CLUSTER.md): the owning silo, the
/// epoch it acquired, and until when its lease runs on the database's clock. The rules here are what the SQL
/// statements do, one row at a time, each atomically; they have no I/O so that their safety can be tested on every
/// interleaving.
/// </summary>
public sealed record PartitionOwner(int Partition, string? Owner, long Epoch, long LeaseUntilMicros)
{
    public static PartitionOwner Unowned(int partition) => new(partition, null, 0, long.MinValue);

    /// <summary>
    /// A silo takes the partition when no lease runs (expired on the database's clock, or released): the epoch grows by
    /// one, so every flush of the previous owner's epoch is refused from now on. A dead owner's partitions are taken when
    /// its lease runs out, not sooner: a silo declared dead may be one paused, still serving until its own deadline.
    /// </summary>
    public PartitionOwner? Acquire(string silo, long databaseNowMicros, long leaseMicros)
    {
        ArgumentException.ThrowIfNullOrEmpty(silo);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(leaseMicros);
        return Owner is null || databaseNowMicros >= LeaseUntilMicros
            ? this with { Owner = silo, Epoch = checked(Epoch + 1), LeaseUntilMicros = checked(databaseNowMicros + leaseMicros) }
            : null;
    }

    /// <summary>The owner extends its lease, in the same epoch, only while the lease still runs: an expired lease is acquired anew.</summary>
    public PartitionOwner? Renew(string silo, long epoch, long databaseNowMicros, long leaseMicros) =>
        Owner == silo && Epoch == epoch && databaseNowMicros < LeaseUntilMicros
            ? this with { LeaseUntilMicros = checked(databaseNowMicros + leaseMicros) }
            : null;

    /// <summary>
    /// A handing-over owner lets go at once (after its last flush), so the next owner need not wait for the lease. The
    /// row keeps when it was let go (<see cref="LeaseUntilMicros"/> of a free partition): how long it has been free.
    /// </summary>
    public PartitionOwner? Release(string silo, long epoch, long databaseNowMicros) =>
        Owner == silo && Epoch == epoch ? this with { Owner = null, LeaseUntilMicros = databaseNowMicros } : null;

    /// <summary>Free (never held, let go, or its lease ran out) since at least <paramref name="micros"/> before the database's now.</summary>
    public bool FreeFor(long databaseNowMicros, long micros) =>
        (Owner is null || databaseNowMicros >= LeaseUntilMicros) && (LeaseUntilMicros == long.MinValue || LeaseUntilMicros <= databaseNowMicros - micros);

    /// <summary>
    /// The fence every flush checks in its own transaction: only the owner of this epoch commits. The lease is not
    /// checked here: while nobody else acquired, the owner is still the only one, and once someone did, the epoch differs.
    /// </summary>
    public bool MayCommit(string silo, long epoch) => Owner == silo && Epoch == epoch;
}
