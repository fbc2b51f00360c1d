using ClearingCluster.Grains.Metering;
using ClearingCluster.Interfaces.Metering;
using FsCheck;
using FsCheck.Fluent;

namespace ClearingCluster.Grains.Tests.Metering;

public sealed class MeterBookTests
{
    private const long From = 1_000_000;
    private const long To = 2_000_000;

    private static MeterBook Book(long quota = 10, long used = 0, bool active = true)
    {
        var book = new MeterBook();
        book.Track(new ContractMeter("K-1", quota, used, From, To, active));
        book.RememberCalls("K-1", [], long.MinValue);
        return book;
    }

    [Fact]
    public void Each_rule_rejects_with_its_own_reason_and_counts_nothing()
    {
        Assert.Equal(UsageRejection.UnknownContract, Book().Apply(new UsageRecord("c", "K-9", From, 1)));
        Assert.Equal(UsageRejection.ContractNotActive, Book(active: false).Apply(new UsageRecord("c", "K-1", From, 1)));
        var book = Book(quota: 10, used: 8);
        Assert.Equal(UsageRejection.OutsideValidity, book.Apply(new UsageRecord("c", "K-1", From - 1, 1)));
        Assert.Equal(UsageRejection.OutsideValidity, book.Apply(new UsageRecord("c", "K-1", To, 1)));
        Assert.Equal(UsageRejection.QuotaExceeded, book.Apply(new UsageRecord("c", "K-1", From, 3)));
        Assert.Equal(UsageRejection.FutureCall, book.Apply(new UsageRecord("c", "K-1", From + 2, 1), notAfterMicros: From + 1));
        Assert.Equal(8, book.Find("K-1")!.Used);
        Assert.Equal(UsageRejection.None, book.Apply(new UsageRecord("c", "K-1", From + 1, 1), notAfterMicros: From + 1));
        Assert.Equal("quota_exceeded", UsageRejections.Wire(UsageRejection.QuotaExceeded));
        Assert.Equal("future_call", UsageRejections.Wire(UsageRejection.FutureCall));
    }

    [Fact]
    public void A_contract_that_ended_by_the_last_cut_off_takes_no_more_usage_even_dated_inside_its_window()
    {
        var book = Book(quota: 10);
        // Its escrow was settled in the cycle cut at or after its end: a late call would be charged from nothing.
        Assert.Equal(UsageRejection.ContractClosed, book.Apply(new UsageRecord("late", "K-1", To - 1, 1), closedThroughMicros: To));
        Assert.Equal(UsageRejection.ContractClosed, book.Apply(new UsageRecord("late", "K-1", To - 1, 1), closedThroughMicros: To + 5));
        Assert.Equal(0, book.Find("K-1")!.Used);
        Assert.Equal(UsageRejection.None, book.Apply(new UsageRecord("on-time", "K-1", To - 1, 1), closedThroughMicros: To - 1));
        Assert.Equal("contract_closed", UsageRejections.Wire(UsageRejection.ContractClosed));
    }

    [Fact]
    public void A_quota_can_be_reached_exactly_and_not_passed()
    {
        var book = Book(quota: 10, used: 7);

        Assert.Equal(UsageRejection.None, book.Apply(new UsageRecord("c1", "K-1", To - 1, 3)));
        Assert.Equal(UsageRejection.QuotaExceeded, book.Apply(new UsageRecord("c2", "K-1", From, 1)));
        Assert.Equal(0, book.Find("K-1")!.Left);
    }

    [Fact]
    public void Whatever_the_interleaving_accepted_units_never_exceed_the_quota_and_only_a_full_quota_refuses()
    {
        // Several producers' batches, each a list of unit counts, applied in a random interleaving.
        var producers = Gen.Choose(1, 20).Select(n => (long)n).ArrayOf().ArrayOf();
        var property = Prop.ForAll(producers.ToArbitrary(), Gen.Choose(0, 200).ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(),
            (batches, quota, seed) =>
            {
                var book = Book(quota: quota);
                var random = new Random(seed);
                var cursors = new int[batches.Length];
                long accepted = 0;
                while (cursors.Select((c, i) => c < batches[i].Length).Any(more => more))
                {
                    var p = random.Next(batches.Length);
                    if (cursors[p] >= batches[p].Length)
                    {
                        continue;
                    }
                    var units = batches[p][cursors[p]++];
                    var leftBefore = book.Find("K-1")!.Left;
                    var result = book.Apply(new UsageRecord($"c{p}-{cursors[p]}", "K-1", From, units));
                    if (result == UsageRejection.None)
                    {
                        accepted += units;
                    }
                    else if (result != UsageRejection.QuotaExceeded || units <= leftBefore)
                    {
                        return false;
                    }
                }
                return accepted <= quota && book.Find("K-1")!.Used == accepted;
            });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300).WithReplay(674386, 1), property);
    }

    [Fact]
    public void A_call_id_counts_once_per_contract_within_the_window()
    {
        var book = Book(quota: 100);
        book.Track(new ContractMeter("K-2", 100, 0, From, To, true));
        book.RememberCalls("K-2", [], long.MinValue);

        Assert.Equal(UsageRejection.None, book.Apply(new UsageRecord("call-1", "K-1", From, 5), windowStartMicros: From));
        Assert.Equal(UsageRejection.DuplicateCall, book.Apply(new UsageRecord("call-1", "K-1", From + 10, 5), windowStartMicros: From));
        // The same id on another contract is another call.
        Assert.Equal(UsageRejection.None, book.Apply(new UsageRecord("call-1", "K-2", From, 5), windowStartMicros: From));
        Assert.Equal(5, book.Find("K-1")!.Used);
        Assert.Equal("duplicate_call", UsageRejections.Wire(UsageRejection.DuplicateCall));
    }

    [Fact]
    public void A_call_outside_the_window_is_neither_checked_nor_remembered_and_the_window_moves_on()
    {
        const long Second = 1_000_000;
        var book = new MeterBook();
        book.Track(new ContractMeter("K-1", 100, 0, From, From + 1_000 * Second, true));
        book.RememberCalls("K-1", [], long.MinValue);
        // Dated before the window's start: counted each time it comes.
        Assert.Equal(UsageRejection.None, book.Apply(new UsageRecord("old", "K-1", From, 1), windowStartMicros: From + 100 * Second));
        Assert.Equal(UsageRejection.None, book.Apply(new UsageRecord("old", "K-1", From, 1), windowStartMicros: From + 100 * Second));
        Assert.Equal(0, book.CallsRemembered);

        Assert.Equal(UsageRejection.None, book.Apply(new UsageRecord("new", "K-1", From + 200 * Second, 1), windowStartMicros: From + 100 * Second));
        Assert.Equal(UsageRejection.DuplicateCall, book.Apply(new UsageRecord("new", "K-1", From + 200 * Second, 1), windowStartMicros: From + 150 * Second));
        // Once the window has moved past the call's second, the same id counts again.
        Assert.Equal(UsageRejection.None, book.Apply(new UsageRecord("new", "K-1", From + 200 * Second, 1), windowStartMicros: From + 201 * Second));
        Assert.Equal(4, book.Find("K-1")!.Used);
    }

    [Fact]
    public void A_refused_call_is_not_remembered_so_it_counts_when_it_fits()
    {
        var book = Book(quota: 3);
        Assert.Equal(UsageRejection.QuotaExceeded, book.Apply(new UsageRecord("big", "K-1", From, 4)));
        Assert.Equal(UsageRejection.None, book.Apply(new UsageRecord("big", "K-1", From, 3)));
        Assert.Equal(UsageRejection.DuplicateCall, book.Apply(new UsageRecord("big", "K-1", From, 1)));
    }

    [Fact]
    public void Memory_stays_under_the_limit_by_forgetting_idle_windows_never_one_a_pending_part_used()
    {
        var book = new MeterBook();
        for (var k = 0; k < 4; k++)
        {
            book.Track(new ContractMeter($"K-{k}", 1_000, 0, From, To, true));
            book.RememberCalls($"K-{k}", [], long.MinValue);
        }
        for (var i = 0; i < 10; i++)
        {
            for (var k = 0; k < 4; k++)
            {
                Assert.Equal(UsageRejection.None, book.Apply(new UsageRecord($"c{i}", $"K-{k}", From, 1)));
            }
        }
        // A part still on its way to storage counted K-3's last call: from that tick on, nothing may be forgotten.
        var pendingFrom = book.Ticks + 1;
        Assert.Equal(UsageRejection.None, book.Apply(new UsageRecord("c10", "K-3", From, 1)));
        Assert.Equal(41, book.CallsRemembered);

        Assert.Equal(0, book.ForgetCalls(callsMax: 41, long.MinValue, pendingFrom));
        var forgotten = book.ForgetCalls(callsMax: 12, long.MinValue, pendingFrom);

        Assert.Equal(3, forgotten);
        Assert.Equal(11, book.CallsRemembered);
        Assert.True(book.RemembersCallsOf("K-3"));
        Assert.False(book.RemembersCallsOf("K-0"));
        // A forgotten window cannot check a call until it is read again; read, it refuses the repeat as before.
        Assert.Throws<InvalidOperationException>(() => book.Apply(new UsageRecord("c0", "K-0", From, 1)));
        book.RememberCalls("K-0", [(CallFingerprint.Of("c0"), From)], long.MinValue);
        Assert.Equal(UsageRejection.DuplicateCall, book.Apply(new UsageRecord("c0", "K-0", From, 1)));
    }

    [Fact]
    public void Over_the_limit_with_every_window_in_use_a_pass_waits_for_a_tenth_more_calls_rather_than_run_for_each_part()
    {
        const long Second = 1_000_000;
        var book = new MeterBook();
        book.Track(new ContractMeter("K-1", 1_000, 0, From, From + 100 * Second, true));
        book.RememberCalls("K-1", [], long.MinValue);
        for (var i = 0; i < 20; i++)
        {
            book.Apply(new UsageRecord($"c{i}", "K-1", From, 1));
        }
        // Every window is in use by a part still on its way (pending from tick 0): nothing can go.
        Assert.Equal(0, book.ForgetCalls(callsMax: 10, long.MinValue, pendingFromTick: 0));
        Assert.Equal(20, book.CallsRemembered);
        // The next durable part would find everything expired, but no pass runs until 22 calls are held …
        Assert.Equal(0, book.ForgetCalls(callsMax: 10, From + Second, pendingFromTick: 0));
        Assert.Equal(20, book.CallsRemembered);
        book.Apply(new UsageRecord("c20", "K-1", From + 2 * Second, 1));
        book.Apply(new UsageRecord("c21", "K-1", From + 2 * Second, 1));
        // … and then one does: the expired calls go.
        book.ForgetCalls(callsMax: 10, From + Second, pendingFromTick: 0);
        Assert.Equal(2, book.CallsRemembered);
    }

    [Fact]
    public void Windows_in_use_are_trimmed_by_time_never_past_a_call_on_its_way_and_older_calls_need_a_storage_check()
    {
        const long Second = 1_000_000;
        var book = new MeterBook();
        book.Track(new ContractMeter("K-1", 1_000, 0, From, From + 1_000 * Second, true));
        book.RememberCalls("K-1", [], long.MinValue);
        for (var i = 0; i < 100; i++)
        {
            book.Apply(new UsageRecord($"c{i}", "K-1", From + i * Second, 1), windowStartMicros: From);
        }
        // Every window in use (pending from tick 0), the oldest call on its way dated From + 60 s: trimmed up to there at most.
        book.ForgetCalls(callsMax: 20, From, pendingFromTick: 0, trimNotAfterMicros: From + 60 * Second);
        Assert.InRange(book.CallsRemembered, 40, 60);
        Assert.True(book.Find("K-1")!.Calls!.Holds(CallFingerprint.Of("c60"), From));
        Assert.False(book.Find("K-1")!.Calls!.Holds(CallFingerprint.Of("c5"), From));
        Assert.True(book.TrimGeneration > 0);
        // A call older than what the window now holds must be looked up first; a newer one not.
        Assert.True(book.NeedsStorageCheck(new UsageRecord("c5", "K-1", From + 5 * Second, 1), From));
        Assert.False(book.NeedsStorageCheck(new UsageRecord("c99", "K-1", From + 99 * Second, 1), From));
        // Outside the deduplication window nothing is looked up.
        Assert.False(book.NeedsStorageCheck(new UsageRecord("c5", "K-1", From + 5 * Second, 1), From + 10 * Second));
    }

    /// <remarks>
    /// Also with a window reaching 400 days back while memory holds 100 seconds: the cut is found among the calls held,
    /// not in spans of the whole window (which would put them all in one span and drop them all).
    /// </remarks>
    [Theory]
    [InlineData(0L)]
    [InlineData(400L * 86_400)]
    public void A_trim_takes_the_oldest_calls_over_every_window_in_one_cut_just_enough_to_get_a_tenth_below_the_limit(long windowSeconds)
    {
        const long Second = 1_000_000;
        var callsFrom = windowSeconds * Second + From;
        var windowStart = callsFrom - windowSeconds * Second;
        var book = new MeterBook();
        foreach (var contract in new[] { "K-1", "K-2" })
        {
            book.Track(new ContractMeter(contract, 1_000, 0, callsFrom, callsFrom + 1_000 * Second, true));
            book.RememberCalls(contract, [], long.MinValue);
        }
        // K-1's calls are dated at even seconds, K-2's at odd ones: 100 calls over 100 seconds.
        for (var i = 0; i < 100; i++)
        {
            book.Apply(new UsageRecord($"c{i}", i % 2 == 0 ? "K-1" : "K-2", callsFrom + i * Second, 1), windowStartMicros: windowStart);
        }

        var dropped = book.TrimCalls(callsMax: 20, windowStart, trimNotAfterMicros: callsFrom + 500 * Second);

        // 18 is a tenth below 20: the 82 oldest went, over both windows, and nothing newer.
        Assert.Equal(82, dropped);
        Assert.Equal(18, book.CallsRemembered);
        Assert.Equal(1, book.TrimGeneration);
        Assert.False(book.Find("K-1")!.Calls!.Holds(CallFingerprint.Of("c80"), callsFrom));
        Assert.False(book.Find("K-2")!.Calls!.Holds(CallFingerprint.Of("c81"), callsFrom));
        Assert.True(book.Find("K-1")!.Calls!.Holds(CallFingerprint.Of("c82"), callsFrom));
        Assert.True(book.Find("K-2")!.Calls!.Holds(CallFingerprint.Of("c83"), callsFrom));
        Assert.True(book.NeedsStorageCheck(new UsageRecord("c81", "K-2", callsFrom + 81 * Second, 1), callsFrom));
        Assert.False(book.NeedsStorageCheck(new UsageRecord("c82", "K-1", callsFrom + 82 * Second, 1), callsFrom));
    }

    [Fact]
    public void A_window_read_back_only_so_far_covers_from_there_on()
    {
        const long Second = 1_000_000;
        var book = new MeterBook();
        book.Track(new ContractMeter("K-1", 1_000, 0, From, From + 1_000 * Second, true));
        book.RememberCalls("K-1", [(CallFingerprint.Of("recent"), From + 500 * Second)], From, readFromMicros: From + 400 * Second);

        Assert.True(book.NeedsStorageCheck(new UsageRecord("older", "K-1", From + 100 * Second, 1), From));
        Assert.False(book.NeedsStorageCheck(new UsageRecord("newer", "K-1", From + 450 * Second, 1), From));
        Assert.Equal(UsageRejection.DuplicateCall, book.Apply(new UsageRecord("recent", "K-1", From + 500 * Second, 1), windowStartMicros: From));
    }

    [Fact]
    public void Whatever_the_repeats_and_batches_each_call_id_counts_exactly_once()
    {
        var calls = Gen.Choose(0, 30).ArrayOf();
        var property = Prop.ForAll(calls.ToArbitrary(), Gen.Choose(1, 8).ToArbitrary(), (ids, batchSize) =>
        {
            var book = Book(quota: 1_000);
            var counted = new List<int>();
            foreach (var batch in ids.Chunk(batchSize))
            {
                counted.AddRange(batch.Where(id => book.Apply(new UsageRecord($"call-{id}", "K-1", From, 1)) == UsageRejection.None));
            }
            return counted.Order().SequenceEqual(ids.Distinct().Order()) && book.Find("K-1")!.Used == ids.Distinct().Count();
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300).WithReplay(674386, 1), property);
    }

    [Fact]
    public void Reverting_a_batch_that_did_not_become_durable_gives_the_units_back()
    {
        var book = Book(quota: 10);
        var record = new UsageRecord("c", "K-1", From, 4);
        book.Apply(record);

        book.Revert(record);

        Assert.Equal(10, book.Find("K-1")!.Left);
        Assert.Throws<InvalidOperationException>(() => book.Revert(record));
    }

    [Fact]
    public void A_contract_always_goes_to_the_same_shard_and_shards_share_the_load()
    {
        // FNV-1a of "K-19" is 0x750c405f (computed independently); these values must never change, or usage would move shards on upgrade.
        Assert.Equal(0x750c405fu % 16, (uint)MeterShards.ShardOf("K-19", 16));
        Assert.Equal(MeterShards.ShardOf("K-geo-api-1", 64), MeterShards.ShardOf("K-geo-api-1", 64));

        var counts = new int[8];
        for (var i = 0; i < 80_000; i++)
        {
            counts[MeterShards.ShardOf($"K-product-{i}", 8)]++;
        }
        Assert.All(counts, c => Assert.InRange(c, 9_000, 11_000));
        Assert.Throws<ArgumentOutOfRangeException>(() => MeterShards.ShardOf("K", 0));
    }
}
