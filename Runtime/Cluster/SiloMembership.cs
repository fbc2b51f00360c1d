using Microsoft.Extensions.Logging;

namespace ClearingCluster.Runtime.Cluster;

/// <summary>
/// This silo in the membership table: it joins as a new generation, says it is alive every round, declares dead the
/// silos that stopped saying so for <see cref="ClusterTimings.MemberDeadAfter"/> (by then their leases ran out:
/// liveness is the leases, this is bookkeeping for routing and rebalancing), finds out when another declared it dead
/// (it joins again as a new generation), and leaves as dead. Every change of the view is a compare-and-swap on the
/// view's version; a lost race is read again and retried.
/// </summary>
/// <param name="template">This silo's row as it joins: read at each join, since the transport's port is known only once it listens.</param>
public sealed class SiloMembership(IMembershipTable table, ClusterTimings timings, Func<MembershipEntry> template, ILogger logger)
{
    public SiloMembership(IMembershipTable table, ClusterTimings timings, MembershipEntry template, ILogger logger)
        : this(table, timings, () => template, logger)
    {
    }

    /// <summary>Attempts at one change before giving up until the next round (each after a fresh read).</summary>
    private const int AttemptsMax = 50;

    /// <summary>Generations count seconds from here, as Orleans' do from its own epoch: new at every start, and an int.</summary>
    private static readonly DateTimeOffset GenerationEpoch = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public MembershipEntry? Self { get; private set; }

    /// <summary>Silos this one declared dead so far.</summary>
    public int DeclaredDead { get; private set; }

    public async Task JoinAsync(CancellationToken cancellationToken)
    {
        var generation = (int)Math.Max(1, (DateTimeOffset.UtcNow - GenerationEpoch).TotalSeconds);
        if (Self is { } previous && generation <= previous.Generation)
        {
            generation = previous.Generation + 1;
        }
        for (var attempt = 1; attempt <= AttemptsMax; attempt++)
        {
            var view = await table.ReadAllAsync(cancellationToken).ConfigureAwait(false);
            var entry = template() with { Generation = generation, Status = SiloStatus.Active, StartTime = view.At, IAmAliveTime = view.At };
            try
            {
                if (await table.InsertAsync(entry, view.Version, cancellationToken).ConfigureAwait(false))
                {
                    Self = entry;
                    return;
                }
            }
            catch (MembershipConflictException)
            {
                // Another incarnation of this address and port took that generation (started the same second).
                generation++;
            }
        }
        throw new InvalidOperationException($"silo {template().SiloName} could not join the membership table in {AttemptsMax} attempts");
    }

    /// <summary>One round: alive now; declare the silent dead; join again if another declared this one dead.</summary>
    public async Task HeartbeatAsync(CancellationToken cancellationToken)
    {
        if (Self is null)
        {
            await JoinAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        await table.UpdateIAmAliveAsync(Self, cancellationToken).ConfigureAwait(false);
        var view = await table.ReadAllAsync(cancellationToken).ConfigureAwait(false);
        var me = view.Members.FirstOrDefault(m => SameIncarnation(m, Self));
        if (me is null || me.Status == SiloStatus.Dead)
        {
            logger.LogWarning("silo {Silo} (generation {Generation}) was declared dead by another; it joins again as a new generation",
                Self.SiloName, Self.Generation);
            await JoinAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        foreach (var silent in view.Members.Where(m => !SameIncarnation(m, Self) && Silent(m, view.At)))
        {
            // Judged again on every fresh read: a silo that spoke up meanwhile is not declared dead.
            if (await ChangeAsync(silent, SiloStatus.Dead, cancellationToken, still: Silent).ConfigureAwait(false))
            {
                DeclaredDead++;
                logger.LogWarning("silo {Silo} (generation {Generation}) silent since {Since:O}: declared dead", silent.SiloName, silent.Generation,
                    silent.IAmAliveTime);
            }
        }
    }

    /// <summary>At shutdown, after its partitions were let go.</summary>
    public async Task LeaveAsync(CancellationToken cancellationToken)
    {
        if (Self is { } self && await ChangeAsync(self, SiloStatus.Dead, cancellationToken).ConfigureAwait(false))
        {
            Self = self with { Status = SiloStatus.Dead };
        }
    }

    private bool Silent(MembershipEntry member, DateTimeOffset at) => member.Status != SiloStatus.Dead && at - member.IAmAliveTime > timings.MemberDeadAfter;

    /// <summary>
    /// Sets <paramref name="entry"/>'s status unless someone already did, or <paramref name="still"/> no longer holds of
    /// its row as read afresh; true if this call did.
    /// </summary>
    private async Task<bool> ChangeAsync(MembershipEntry entry, SiloStatus status, CancellationToken cancellationToken,
        Func<MembershipEntry, DateTimeOffset, bool>? still = null)
    {
        for (var attempt = 1; attempt <= AttemptsMax; attempt++)
        {
            var view = await table.ReadAllAsync(cancellationToken).ConfigureAwait(false);
            var now = view.Members.FirstOrDefault(m => SameIncarnation(m, entry));
            if (now is null || now.Status == status || (still is not null && !still(now, view.At)))
            {
                return false;
            }
            if (await table.UpdateStatusAsync(now, status, view.Version, cancellationToken).ConfigureAwait(false))
            {
                return true;
            }
        }
        return false;
    }

    private static bool SameIncarnation(MembershipEntry a, MembershipEntry b) =>
        a.Address == b.Address && a.Port == b.Port && a.Generation == b.Generation;
}
