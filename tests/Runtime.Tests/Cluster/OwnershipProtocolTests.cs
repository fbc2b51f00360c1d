using ClearingCluster.Runtime.Cluster;
using FsCheck;
using FsCheck.Fluent;

namespace ClearingCluster.Runtime.Tests.Cluster;

/// <summary>
/// The ownership protocol's pure core on random interleavings: three silos whose clocks run up to the tolerance
/// faster or slower than the database's, requests that reach the database late and answers that come back later
/// still (a slow network, a silo paused with SIGSTOP), acquires, renewals, releases and flushes in any order. Never
/// do two silos commit for one partition in one epoch, epochs only grow, and never do two silos serve one
/// partition at the same instant.
/// </summary>
public sealed class OwnershipProtocolTests
{
    private static readonly ClusterTimings Timings = new() { Lease = TimeSpan.FromSeconds(10), ClockRateTolerance = 0.01 };
    private const int Silos = 3;
    private const int Partitions = 2;

    private enum Kind { Acquire, Renew, Release, Flush }

    /// <summary>A request a silo sent and the database has not applied yet.</summary>
    private sealed record Request(int Silo, Kind Kind, int Partition, long Epoch, long SentLocal);

    /// <summary>An answer on its way back: the epoch granted, or nothing (refused), for a request sent holding <c>EpochAtSend</c>.</summary>
    private sealed record Answer(int Silo, int Partition, long? Granted, long SentLocal, long EpochAtSend);

    private sealed record Step(int Action, int A, int B, int C);

    [Fact]
    public void Whatever_the_interleaving_one_partition_has_one_committer_per_epoch_and_one_server_at_a_time()
    {
        // Deliveries and answers come often, so requests complete and silos get to flush.
        var actions = Gen.Frequency((2, Gen.Constant(0)), (3, Gen.Constant(1)), (3, Gen.Constant(2)), (4, Gen.Constant(3)), (4, Gen.Constant(4)), (1, Gen.Constant(5)));
        var steps = actions.SelectMany(action => Gen.Choose(0, 99).SelectMany(a => Gen.Choose(0, 99).SelectMany(b => Gen.Choose(0, 2)
            .Select(c => new Step(action, a, b, c))))).ListOf();
        long commits = 0, takeovers = 0;
        var property = Prop.ForAll(steps.ToArbitrary(), Gen.Elements(-1, 0, 1).ArrayOf(Silos).ToArbitrary(), (list, drift) =>
        {
            var world = new World(drift);
            foreach (var step in list)
            {
                world.Run(step);
                world.Check();
            }
            commits += world.Commits.Sum(c => c.Count);
            takeovers += world.Commits.Count(c => c.Select(x => x.Silo).Distinct().Count() > 1);
            return true;
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(5_000).WithEndSize(400).WithReplay(674386, 1), property);
        // The runs did what the property is about: silos committed, and partitions changed hands between commits.
        Assert.True(commits > 5_000 && takeovers > 300, $"{commits} commits and {takeovers} partitions that changed hands: the interleavings are too tame");
    }

    [Fact]
    public void A_silo_paused_longer_than_its_lease_stops_serving_and_its_late_flush_is_refused()
    {
        var world = new World([0, 0, 0]);
        world.Send(0, Kind.Acquire, 0);
        world.DeliverAll();
        world.AnswerAll();
        Assert.True(world.ServingNow(0, 0));
        world.Send(0, Kind.Flush, 0);            // sent, then the silo is stopped before it reaches the database
        world.Advance(Timings.LeaseMicros + 1);  // longer than the lease: the silo must no longer serve
        Assert.False(world.ServingNow(0, 0));
        world.Send(1, Kind.Acquire, 0);
        world.DeliverLast();                     // the other silo acquires epoch 2 …
        world.DeliverAll();                      // … and the stopped silo's flush arrives after it
        Assert.Empty(world.Commits[0]);
        world.AnswerAll();
        Assert.True(world.ServingNow(1, 0));
        world.Check();
    }

    private sealed class World(int[] drift)
    {
        private readonly PartitionOwner[] rows = [.. Enumerable.Range(0, Partitions).Select(PartitionOwner.Unowned)];
        private readonly PartitionLease[,] leases = Leases();
        private readonly List<Request> requests = [];
        private readonly List<Answer> answers = [];
        private readonly long[] highestEpoch = new long[Partitions];
        private long now = 1_000_000_000;

        public List<(int Silo, long Epoch)>[] Commits { get; } = [.. Enumerable.Range(0, Partitions).Select(_ => new List<(int, long)>())];

        private static PartitionLease[,] Leases()
        {
            var leases = new PartitionLease[Silos, Partitions];
            for (var s = 0; s < Silos; s++)
            {
                for (var p = 0; p < Partitions; p++)
                {
                    leases[s, p] = new PartitionLease(p, Timings);
                }
            }
            return leases;
        }

        /// <summary>A silo's monotonic clock: its own origin, running at 1 ± the tolerance of the database's rate.</summary>
        private long Local(int silo) => 7_000_000L * (silo + 1) + (long)(now * (1 + drift[silo] * Timings.ClockRateTolerance));

        public bool ServingNow(int silo, int partition) => leases[silo, partition].Serving(Local(silo));

        public void Run(Step step)
        {
            var silo = step.C;
            var partition = step.A % Partitions;
            switch (step.Action)
            {
                case 0:
                    // Mostly a little time; one time in ten a pause of up to 2.5 leases.
                    Advance(step.B < 90 ? step.B * Timings.LeaseMicros / 400 : (step.B - 89) * Timings.LeaseMicros / 4);
                    break;
                case 1:
                    // An owner renews, or now and then lets go; anyone else tries to acquire (often in vain while a lease runs).
                    Send(silo, !ServingNow(silo, partition) ? Kind.Acquire : step.B % 10 == 0 ? Kind.Release : Kind.Renew, partition);
                    break;
                case 2:
                    // A silo flushes only what it serves now; the flush may reach the database much later.
                    if (ServingNow(silo, partition))
                    {
                        Send(silo, Kind.Flush, partition);
                    }
                    break;
                case 3 when requests.Count > 0:
                    Deliver(step.B % requests.Count);
                    break;
                case 4 when answers.Count > 0:
                    Receive(step.B % answers.Count);
                    break;
                case 5:
                    // An owner renews on schedule if it still serves.
                    if (ServingNow(silo, partition))
                    {
                        Send(silo, Kind.Renew, partition);
                    }
                    break;
            }
        }

        public void Advance(long micros) => now += micros;

        public void Send(int silo, Kind kind, int partition)
        {
            if (kind == Kind.Release)
            {
                leases[silo, partition].Lost(leases[silo, partition].Epoch); // an owner stops serving before it lets go
            }
            requests.Add(new Request(silo, kind, partition, leases[silo, partition].Epoch, Local(silo)));
        }

        public void DeliverLast() => Deliver(requests.Count - 1);

        public void DeliverAll()
        {
            while (requests.Count > 0)
            {
                Deliver(0);
            }
        }

        public void AnswerAll()
        {
            while (answers.Count > 0)
            {
                Receive(0);
            }
        }

        private void Deliver(int index)
        {
            var request = requests[index];
            requests.RemoveAt(index);
            var name = $"silo-{request.Silo}";
            var row = rows[request.Partition];
            switch (request.Kind)
            {
                case Kind.Acquire:
                    var acquired = row.Acquire(name, now, Timings.LeaseMicros);
                    Apply(request, acquired);
                    break;
                case Kind.Renew:
                    Apply(request, row.Renew(name, request.Epoch, now, Timings.LeaseMicros));
                    break;
                case Kind.Release:
                    if (row.Release(name, request.Epoch, now) is { } released)
                    {
                        rows[request.Partition] = released;
                    }
                    answers.Add(new Answer(request.Silo, request.Partition, null, request.SentLocal, request.Epoch));
                    break;
                case Kind.Flush:
                    if (row.MayCommit(name, request.Epoch))
                    {
                        Commits[request.Partition].Add((request.Silo, request.Epoch));
                    }
                    break;
            }
        }

        private void Apply(Request request, PartitionOwner? changed)
        {
            if (changed is not null)
            {
                rows[request.Partition] = changed;
            }
            answers.Add(new Answer(request.Silo, request.Partition, changed?.Epoch, request.SentLocal, request.Epoch));
        }

        private void Receive(int index)
        {
            var answer = answers[index];
            answers.RemoveAt(index);
            // Every answer goes to the lease as it comes, late and out of order ones included: the lease decides.
            var lease = leases[answer.Silo, answer.Partition];
            if (answer.Granted is { } epoch)
            {
                lease.Granted(epoch, answer.SentLocal);
            }
            else
            {
                lease.Lost(answer.EpochAtSend);
            }
        }

        public void Check()
        {
            for (var p = 0; p < Partitions; p++)
            {
                var owners = Commits[p].GroupBy(c => c.Epoch).Where(g => g.Select(c => c.Silo).Distinct().Count() > 1).ToList();
                if (owners.Count > 0)
                {
                    throw new InvalidOperationException($"partition {p}: epoch {owners[0].Key} committed by silos {string.Join(", ", owners[0].Select(c => c.Silo).Distinct())}");
                }
                if (rows[p].Epoch < highestEpoch[p])
                {
                    throw new InvalidOperationException($"partition {p}: the epoch went back from {highestEpoch[p]} to {rows[p].Epoch}");
                }
                highestEpoch[p] = rows[p].Epoch;
                var serving = Enumerable.Range(0, Silos).Where(s => ServingNow(s, p)).ToList();
                if (serving.Count > 1)
                {
                    throw new InvalidOperationException($"partition {p}: silos {string.Join(", ", serving)} serve it at once (database time {now})");
                }
            }
        }
    }
}
