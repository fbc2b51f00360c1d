using ClearingCluster.Runtime.Cluster;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClearingCluster.Runtime.Tests.Cluster;

/// <summary>
/// Membership by compare-and-swap on the view's version (Orleans' protocol): silos join as new generations even when
/// they race, a silo silent longer than the limit is declared dead by another, one declared dead joins again as a new
/// generation, and leaving marks it dead. Every change of the view grows the version by one.
/// </summary>
public sealed class SiloMembershipTests
{
    private static readonly ClusterTimings Timings = new() { Lease = TimeSpan.FromSeconds(10), RenewEvery = TimeSpan.FromSeconds(3) };

    /// <summary>The table's rules in memory, on the test's clock; <see cref="BeforeChange"/> lets a test slip in a rival's change.</summary>
    private sealed class MemoryMembership : IMembershipTable
    {
        private readonly List<MembershipEntry> rows = [];
        private int version;

        public DateTimeOffset Now { get; set; } = new(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);

        public Func<Task>? BeforeChange { get; set; }

        public int Version => version;

        public Task<MembershipView> ReadAllAsync(CancellationToken cancellationToken) =>
            Task.FromResult(new MembershipView([.. rows], version, Now));

        public async Task<bool> InsertAsync(MembershipEntry entry, int expectedVersion, CancellationToken cancellationToken)
        {
            await RivalAsync();
            if (expectedVersion != version)
            {
                return false;
            }
            if (rows.Any(r => Same(r, entry)))
            {
                throw new MembershipConflictException("exists");
            }
            version++;
            rows.Add(entry with { IAmAliveTime = Now });
            return true;
        }

        public async Task<bool> UpdateStatusAsync(MembershipEntry entry, SiloStatus status, int expectedVersion, CancellationToken cancellationToken)
        {
            await RivalAsync();
            var at = rows.FindIndex(r => Same(r, entry));
            if (expectedVersion != version || at < 0)
            {
                return false;
            }
            version++;
            rows[at] = rows[at] with { Status = status };
            return true;
        }

        public Task UpdateIAmAliveAsync(MembershipEntry entry, CancellationToken cancellationToken)
        {
            var at = rows.FindIndex(r => Same(r, entry));
            if (at >= 0)
            {
                rows[at] = rows[at] with { IAmAliveTime = Now };
            }
            return Task.CompletedTask;
        }

        public MembershipEntry Row(MembershipEntry entry) => rows.Single(r => Same(r, entry));

        public IReadOnlyList<MembershipEntry> Rows => rows;

        private async Task RivalAsync()
        {
            var rival = BeforeChange;
            BeforeChange = null;
            if (rival is not null)
            {
                await rival();
            }
        }

        private static bool Same(MembershipEntry a, MembershipEntry b) => (a.Address, a.Port, a.Generation) == (b.Address, b.Port, b.Generation);
    }

    private static SiloMembership Silo(MemoryMembership table, string name) =>
        new(table, Timings, new MembershipEntry("127.0.0.1", 0, 0, name, "host", SiloStatus.Created, 5080, default, default), NullLogger.Instance);

    [Fact]
    public async Task Silos_racing_to_join_each_get_one_row_as_a_new_generation_and_each_change_grows_the_version()
    {
        var table = new MemoryMembership();
        var a = Silo(table, "silo-a");
        var b = Silo(table, "silo-b");
        // b's join slips in between a's read and a's insert: a's insert finds the view moved on, reads again, and joins after it.
        table.BeforeChange = () => b.JoinAsync(CancellationToken.None);
        await a.JoinAsync(CancellationToken.None);

        Assert.Equal(2, table.Version);
        Assert.Equal(["silo-b", "silo-a"], table.Rows.Select(r => r.SiloName));
        Assert.All(table.Rows, r => Assert.Equal(SiloStatus.Active, r.Status));
        // Same address and port, started the same second: the second to insert took the next generation.
        Assert.Equal(table.Rows[0].Generation + 1, table.Rows[1].Generation);
        Assert.Equal(a.Self, table.Row(a.Self!));
    }

    [Fact]
    public async Task A_silo_silent_past_the_limit_is_declared_dead_and_joins_again_as_a_new_generation_and_leaving_marks_it_dead()
    {
        var table = new MemoryMembership();
        var a = Silo(table, "silo-a");
        var b = Silo(table, "silo-b");
        await a.JoinAsync(CancellationToken.None);
        await b.JoinAsync(CancellationToken.None);

        // b goes on saying it is alive; a falls silent (paused) just past the limit.
        table.Now += Timings.MemberDeadAfter;
        await b.HeartbeatAsync(CancellationToken.None);
        Assert.Equal(SiloStatus.Active, table.Row(a.Self!).Status);
        table.Now += TimeSpan.FromSeconds(1);
        await b.HeartbeatAsync(CancellationToken.None);
        Assert.Equal(SiloStatus.Dead, table.Row(a.Self!).Status);
        Assert.Equal(1, b.DeclaredDead);
        Assert.Equal(SiloStatus.Active, table.Row(b.Self!).Status);

        // a wakes up, finds itself dead, and joins again as a new generation; the old row stays dead.
        var old = a.Self!;
        await a.HeartbeatAsync(CancellationToken.None);
        Assert.True(a.Self!.Generation > old.Generation);
        Assert.Equal((SiloStatus.Dead, SiloStatus.Active), (table.Row(old).Status, table.Row(a.Self).Status));

        var version = table.Version;
        await b.LeaveAsync(CancellationToken.None);
        Assert.Equal(SiloStatus.Dead, table.Row(b.Self!).Status);
        Assert.Equal(version + 1, table.Version);
        // Nobody declares a dead silo dead again.
        table.Now += Timings.MemberDeadAfter * 3;
        await a.HeartbeatAsync(CancellationToken.None);
        Assert.Equal(version + 1, table.Version);
    }
}
