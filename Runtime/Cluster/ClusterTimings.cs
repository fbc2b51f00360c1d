namespace ClearingCluster.Runtime.Cluster;

/// <summary>The named limits of partition ownership (configuration section <c>Clearing:Cluster</c>, docs/CLUSTER.md).</summary>
public sealed class ClusterTimings
{
    /// <summary>How long an acquire or renew holds a partition on the database's clock.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often an owner renews: a third of the lease, so two renewals may fail before it must stop.</summary>
    public TimeSpan RenewEvery { get; set; } = TimeSpan.FromSeconds(10.0 / 3);

    /// <summary>How far a silo's monotonic clock may run slower or faster than the database's, as a fraction.</summary>
    public double ClockRateTolerance { get; set; } = 0.01;

    /// <summary>
    /// A silo that has not said it is alive for this long is declared dead in the membership table. Liveness stays the
    /// leases: a silo declared dead while it still renews keeps its partitions, and joins again as a new generation
    /// when it reads that. Default: two leases.
    /// </summary>
    public TimeSpan MemberDeadAfter
    {
        get => memberDeadAfter ?? Lease * 2;
        set => memberDeadAfter = value;
    }

    private TimeSpan? memberDeadAfter;

    /// <summary>
    /// A free partition waits this long for the silo it should go to (a live silo's own share, handed over to it) before
    /// any silo takes it: that silo may be alive in the membership table but unable to take it. Default: two rounds.
    /// </summary>
    public TimeSpan TakeAnyFreeAfter
    {
        get => takeAnyFreeAfter ?? RenewEvery * 2;
        set => takeAnyFreeAfter = value;
    }

    private TimeSpan? takeAnyFreeAfter;

    public long LeaseMicros => (long)Lease.TotalMicroseconds;

    /// <summary>
    /// How long a hand-over waits for its activations to drain: at most a round, and at most half of what the serving
    /// deadline leaves after the next round's wait, so the leases still held are renewed in time whatever the settings.
    /// </summary>
    public TimeSpan DrainAtMost =>
        TimeSpan.FromMicroseconds(Math.Max(0, Math.Min(RenewEvery.TotalMicroseconds, (SafeServeMicros - RenewEvery.TotalMicroseconds) / 2)));

    /// <summary>How long after sending an acquire or renew a silo may serve: the lease less the most the clocks can disagree over it.</summary>
    public long SafeServeMicros => (long)(Lease.TotalMicroseconds * (1 - ClockRateTolerance) / (1 + ClockRateTolerance));

    public void Validate()
    {
        if (Lease <= TimeSpan.Zero || RenewEvery <= TimeSpan.Zero || RenewEvery >= Lease || ClockRateTolerance is < 0 or >= 0.5
            || MemberDeadAfter < Lease || TakeAnyFreeAfter < TimeSpan.Zero)
        {
            throw new InvalidOperationException("Clearing:Cluster: Lease > RenewEvery > 0, 0 ≤ ClockRateTolerance < 0.5, MemberDeadAfter ≥ Lease");
        }
    }
}
