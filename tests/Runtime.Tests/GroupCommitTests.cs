using ClearingCluster.Runtime.Durability;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClearingCluster.Runtime.Tests;

/// <summary>The commit log on its own: ordering, batching, a failed flush, back-pressure, fencing of a stale writer.</summary>
public sealed class GroupCommitTests
{
    private sealed class Item(string label, int records = 1, IReadOnlyList<WriterFence>? fences = null) : CommitItem(records, fences)
    {
        public string Label { get; } = label;

        public override string ToString() => Label;
    }

    private static GroupCommit Lane(MemoryCommitStore store, int pendingRecordsMax = 1_000_000, int flushRecordsMax = 1_000_000) =>
        new(store, new GroupCommitOptions { PendingRecordsMax = pendingRecordsMax, FlushRecordsMax = flushRecordsMax }, new GroupCommitMetrics(),
            NullLogger<GroupCommit>.Instance);

    private static List<string> Labels(MemoryCommitStore store) => [.. store.CommittedItems.Cast<Item>().Select(i => i.Label)];

    [Fact]
    public async Task Items_commit_in_submission_order_and_what_arrives_during_a_flush_shares_the_next_one()
    {
        var store = new MemoryCommitStore();
        await using var lane = Lane(store);
        var a = await lane.OpenWriterAsync("a", CancellationToken.None);
        var b = await lane.OpenWriterAsync("b", CancellationToken.None);

        store.Hold();
        var first = a.CommitAsync(new Item("a1"));
        await store.FlushWaiting.Within();
        var rest = new[] { b.CommitAsync(new Item("b1")), a.CommitAsync(new Item("a2")), b.CommitAsync(new Item("b2")), a.CommitAsync(new Item("a3")) };
        Assert.False(first.IsCompleted);
        store.Release();
        await Task.WhenAll(rest.Append(first)).Within();

        Assert.Equal(["a1", "b1", "a2", "b2", "a3"], Labels(store));
        Assert.Equal(2, store.Committed.Count);
        Assert.Equal(4, store.Committed[1].Items.Count);
        Assert.Equal([a.Fence, b.Fence], store.Committed[1].Fences.OrderBy(f => f.Writer));
    }

    [Fact]
    public async Task A_flush_carries_at_most_its_bound_of_records()
    {
        var store = new MemoryCommitStore();
        await using var lane = Lane(store, flushRecordsMax: 10);
        var w = await lane.OpenWriterAsync("w", CancellationToken.None);

        store.Hold();
        var first = w.CommitAsync(new Item("big", records: 25));
        await store.FlushWaiting.Within();
        var more = Enumerable.Range(0, 6).Select(i => w.CommitAsync(new Item($"s{i}", records: 4))).ToArray();
        store.Release();
        await Task.WhenAll(more.Append(first)).Within();

        // One item over the bound still goes (alone); then 4 + 4 fit in 10, and so on.
        Assert.Equal([1, 2, 2, 2], store.Committed.Select(b => b.Items.Count));
    }

    [Fact]
    public async Task A_failed_flush_fails_all_its_items_and_their_writers_refuse_everything_after_it()
    {
        var store = new MemoryCommitStore();
        await using var lane = Lane(store);
        var a = await lane.OpenWriterAsync("a", CancellationToken.None);
        var b = await lane.OpenWriterAsync("b", CancellationToken.None);
        var c = await lane.OpenWriterAsync("c", CancellationToken.None);

        store.Hold();
        var a1 = a.CommitAsync(new Item("a1"));
        await store.FlushWaiting.Within();
        store.FailNext(new InvalidOperationException("disk on fire"));
        var a2 = a.CommitAsync(new Item("a2"));
        var b1 = b.CommitAsync(new Item("b1"));
        store.Release();

        var failure = await Assert.ThrowsAsync<CommitFailedException>(() => a1.Within());
        Assert.Contains("disk on fire", failure.Message);
        Assert.True(a.IsFailed);
        // a2 was queued behind a1: it fails too, and is never written; b1 commits in the next flush.
        await Assert.ThrowsAsync<CommitFailedException>(() => a2.Within());
        await b1.Within();
        Assert.Equal(["b1"], Labels(store));
        Assert.False(b.IsFailed);

        await Assert.ThrowsAsync<CommitFailedException>(() => a.CommitAsync(new Item("a3")).Within());
        Assert.Throws<CommitFailedException>(() => a.EnsureCanCommit(1));
        await c.CommitAsync(new Item("c1")).Within();
        var again = await lane.OpenWriterAsync("a", CancellationToken.None);
        await again.CommitAsync(new Item("a4")).Within();
        Assert.Equal(["b1", "c1", "a4"], Labels(store));
        Assert.Equal(0, lane.PendingRecords);
    }

    [Fact]
    public async Task Beyond_its_bound_the_log_refuses_new_work_before_anything_changes_and_takes_it_again_once_flushed()
    {
        var store = new MemoryCommitStore();
        await using var lane = Lane(store, pendingRecordsMax: 100);
        var w = await lane.OpenWriterAsync("w", CancellationToken.None);

        store.Hold();
        var first = w.CommitAsync(new Item("first", records: 60));
        await store.FlushWaiting.Within();
        w.EnsureCanCommit(40);
        var second = w.CommitAsync(new Item("second", records: 40));

        var refused = Assert.Throws<CommitRefusedException>(() => w.EnsureCanCommit(1));
        Assert.Equal(TimeSpan.FromSeconds(1), refused.RetryAfter);
        Assert.Equal(100, lane.PendingRecords);
        Assert.False(w.IsFailed);

        store.Release();
        await Task.WhenAll(first, second).Within();
        w.EnsureCanCommit(100);
        Assert.Equal(0, lane.PendingRecords);
    }

    [Fact]
    public async Task A_stale_activation_can_never_commit_and_the_others_in_its_flush_still_do()
    {
        var store = new MemoryCommitStore();
        await using var lane = Lane(store);
        var old = await lane.OpenWriterAsync("book/p", CancellationToken.None);
        var other = await lane.OpenWriterAsync("book/q", CancellationToken.None);
        await old.CommitAsync(new Item("old-1")).Within();

        // A second activation of the same grain (another silo, say) claims the writer.
        var current = await lane.OpenWriterAsync("book/p", CancellationToken.None);
        store.Hold();
        var blocker = other.CommitAsync(new Item("q-0"));
        await store.FlushWaiting.Within();
        var stale = old.CommitAsync(new Item("old-2"));
        var q1 = other.CommitAsync(new Item("q-1"));
        var fresh = current.CommitAsync(new Item("new-1"));
        store.Release();

        var error = await Assert.ThrowsAsync<StaleWriterException>(() => stale.Within());
        Assert.Equal([old.Fence], error.Fences);
        await Task.WhenAll(blocker, q1, fresh).Within();
        Assert.True(old.IsFailed);
        Assert.Equal(["old-1", "q-0", "q-1", "new-1"], Labels(store));
        await Assert.ThrowsAsync<StaleWriterException>(() => old.CommitAsync(new Item("old-3")).Within());
    }

    [Fact]
    public async Task An_item_carrying_a_stale_decision_of_another_writer_fails_and_fails_its_writer()
    {
        var store = new MemoryCommitStore();
        await using var lane = Lane(store);
        var book = await lane.OpenWriterAsync("book/p", CancellationToken.None);
        var account = await lane.OpenWriterAsync("account/acme", CancellationToken.None);
        await lane.OpenWriterAsync("account/acme", CancellationToken.None);

        await Assert.ThrowsAsync<StaleWriterException>(() => book.CommitAsync(new Item("order", fences: [account.Fence])).Within());

        Assert.True(book.IsFailed);
        Assert.Empty(store.Committed);
    }

    /// <summary>
    /// A lone item is always flushed: submitted one at a time from two threads, each awaited before the next, so no
    /// later submission could wake the loop for an earlier one. A lost wake-up would leave one waiting for ever.
    /// </summary>
    [Fact]
    public async Task An_item_submitted_while_the_loop_goes_to_sleep_is_still_flushed()
    {
        var store = new MemoryCommitStore();
        await using var lane = Lane(store);
        var writers = await Task.WhenAll(Enumerable.Range(0, 2).Select(w => lane.OpenWriterAsync($"w{w}", CancellationToken.None)));
        var submitters = writers.Select((writer, w) => Task.Factory.StartNew(() =>
        {
            for (var n = 0; n < 100_000; n++)
            {
                if (!writer.CommitAsync(new Item($"w{w}-{n}")).Wait(TimeSpan.FromSeconds(10)))
                {
                    return n;
                }
            }
            return -1;
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();

        var stuckAt = await Task.WhenAll(submitters).Within();
        Assert.Equal(new[] { -1, -1 }, stuckAt);
        Assert.Equal(200_000, store.CommittedItems.Count());
    }

    /// <summary>
    /// Submitters on several threads at once while the log stops: every item either commits and completes or is refused
    /// as stopped (none is left waiting), each writer's committed items are in its submission order, and nothing is
    /// left pending.
    /// </summary>
    [Fact]
    public async Task Submitters_on_many_threads_racing_a_stop_each_commit_in_order_or_are_refused_and_none_is_stranded()
    {
        for (var round = 0; round < 60; round++)
        {
            var store = new MemoryCommitStore();
            var lane = Lane(store, flushRecordsMax: 7);
            var writers = await Task.WhenAll(Enumerable.Range(0, 4).Select(w => lane.OpenWriterAsync($"w{w}", CancellationToken.None)));
            using var started = new CountdownEvent(writers.Length);
            var submitters = writers.Select((writer, w) => Task.Factory.StartNew(() =>
            {
                var done = new List<(Item, Task)>();
                started.Signal();
                for (var n = 0; n < 2_000; n++)
                {
                    var item = new Item($"w{w}-{n}");
                    done.Add((item, writer.CommitAsync(item)));
                }
                return done;
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
            started.Wait();
            await lane.DisposeAsync();
            await lane.DisposeAsync(); // stopping twice is stopping once
            var submitted = (await Task.WhenAll(submitters).Within()).SelectMany(s => s).ToList();

            foreach (var (item, done) in submitted)
            {
                var error = await Record.ExceptionAsync(() => done.Within());
                Assert.True(error is null or CommitFailedException, $"{item}: {error}");
            }
            var committed = Labels(store);
            Assert.Equal(submitted.Count(s => s.Item2.IsCompletedSuccessfully), committed.Count);
            foreach (var perWriter in committed.GroupBy(label => label.Split('-')[0]))
            {
                var sequence = perWriter.Select(label => int.Parse(label.Split('-')[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
                Assert.Equal(Enumerable.Range(0, sequence.Count), sequence);
            }
            Assert.Equal(0, lane.PendingRecords);
        }
    }

    /// <summary>
    /// Random interleavings of several writers' submissions with random flush failures and epoch takeovers: every
    /// writer's committed items are a prefix of what it submitted in its epoch, exactly the ones whose task succeeded,
    /// and nothing of a stale or failed epoch commits after its first failure.
    /// </summary>
    [Fact]
    public void Whatever_fails_each_writer_commits_a_prefix_of_its_submissions_and_exactly_what_it_was_told()
    {
        var steps = Gen.Choose(0, 9).Select(w => (Writer: w % 3, Action: w)).ArrayOf();
        var property = Prop.ForAll(steps.ToArbitrary(), script => RunAsync(script).GetAwaiter().GetResult());
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(200).WithReplay(674386, 1), property);
    }

    private static async Task<bool> RunAsync((int Writer, int Action)[] script)
    {
        var store = new MemoryCommitStore();
        await using var lane = Lane(store, flushRecordsMax: 3);
        var writers = new CommitWriter[3];
        var submitted = new List<(CommitWriter Writer, Item Item, Task Done)>();
        for (var w = 0; w < writers.Length; w++)
        {
            writers[w] = await lane.OpenWriterAsync($"w{w}", CancellationToken.None);
        }
        store.Hold();
        var n = 0;
        foreach (var (writer, action) in script)
        {
            switch (action)
            {
                case 7:
                    store.FailNext(new InvalidOperationException("flush failed"));
                    break;
                case 8:
                    writers[writer] = await lane.OpenWriterAsync($"w{writer}", CancellationToken.None);
                    break;
                case 9:
                    store.Release();
                    store.Hold();
                    break;
                default:
                    var item = new Item($"w{writer}-{n++}");
                    submitted.Add((writers[writer], item, writers[writer].CommitAsync(item)));
                    break;
            }
        }
        store.Release();
        foreach (var (_, _, done) in submitted)
        {
            try
            {
                await done.Within();
            }
            catch (Exception error) when (error is CommitFailedException or StaleWriterException)
            {
                // Told it failed: checked below.
            }
        }

        var committed = store.CommittedItems.ToHashSet();
        foreach (var group in submitted.GroupBy(s => s.Writer))
        {
            var outcomes = group.Select(s => committed.Contains(s.Item)).ToList();
            // A prefix: once one item of an epoch failed, nothing after it committed.
            if (outcomes.SkipWhile(c => c).Any(c => c))
            {
                return false;
            }
            if (group.Any(s => s.Done.IsCompletedSuccessfully != committed.Contains(s.Item)))
            {
                return false;
            }
        }
        return lane.PendingRecords == 0;
    }
}
