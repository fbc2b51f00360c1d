using ClearingCluster.Load.Simulator;
using FsCheck;
using FsCheck.Fluent;

namespace ClearingCluster.Load.Tests;

/// <summary>The simulator's latency histogram: fixed memory, and every percentile within 1/128 of the exact one, never below it.</summary>
public sealed class LatencyHistogramTests
{
    private static long Exact(long[] values, double q)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Max(0, (int)Math.Ceiling(q * sorted.Length) - 1)];
    }

    [Fact]
    public void Every_percentile_is_within_one_128th_of_the_exact_value_and_never_below_it()
    {
        // Spread over every magnitude: a number of bits, then that many random bits.
        var values = Gen.Choose(0, 37).SelectMany(bits => Gen.Choose(0, int.MaxValue).SelectMany(high => Gen.Choose(0, int.MaxValue).Select(low =>
            (((long)high << 31) | (long)low) & ((1L << bits) - 1))));
        var property = Prop.ForAll(values.NonEmptyListOf().ToArbitrary(), Gen.Elements(0.0, 0.5, 0.9, 0.99, 0.999, 1.0).ToArbitrary(), (list, q) =>
        {
            var histogram = new LatencyHistogram();
            foreach (var value in list)
            {
                histogram.Record(value);
            }
            var exact = Exact([.. list], q);
            var reported = histogram.ValueAt(q);
            return reported >= exact && reported - exact <= exact / 128 && histogram.Count == list.Count;
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), property);
    }

    [Fact]
    public void Values_below_256_microseconds_are_exact_and_the_largest_is_the_maximum()
    {
        var histogram = new LatencyHistogram();
        for (var value = 1; value <= 200; value++)
        {
            histogram.Record(value);
        }

        Assert.Equal(100, histogram.ValueAt(0.5));
        Assert.Equal(198, histogram.ValueAt(0.99));
        Assert.Equal(200, histogram.ValueAt(1.0));
        Assert.Equal(200, histogram.MaxMicros);
        Assert.Equal(0, new LatencyHistogram().ValueAt(0.99));
    }

    [Fact]
    public void Every_bucket_holds_the_values_between_its_neighbours_highest_values()
    {
        for (var index = 1; index < 3968; index++)
        {
            var highest = LatencyHistogram.HighestValueOf(index);
            Assert.Equal(index, LatencyHistogram.IndexOf(highest));
            Assert.Equal(index, LatencyHistogram.IndexOf(LatencyHistogram.HighestValueOf(index - 1) + 1));
        }
        Assert.Equal(3967, LatencyHistogram.IndexOf(LatencyHistogram.MaxTrackableMicros));
    }

    [Fact]
    public void Values_past_the_range_and_below_zero_are_clamped_not_lost()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(-5);
        histogram.Record(long.MaxValue);

        Assert.Equal(2, histogram.Count);
        Assert.Equal(0, histogram.ValueAt(0.5));
        Assert.Equal(LatencyHistogram.MaxTrackableMicros, histogram.ValueAt(1.0));
    }

    [Fact]
    public void An_interval_taken_from_a_recorder_holds_only_what_came_since_the_last_and_the_whole_holds_everything()
    {
        var recorder = new LatencyRecorder();
        recorder.Record(1_000);
        recorder.Record(2_000);
        var first = recorder.TakeInterval();
        recorder.Record(50_000);
        var second = recorder.TakeInterval();

        Assert.Equal(2, first.Count);
        Assert.Equal(1, second.Count);
        Assert.Equal(50_000, second.ValueAt(0.5), tolerance: 50_000 / 128);
        Assert.Equal(3, recorder.Whole.Count);

        var merged = new LatencyHistogram();
        merged.Add(first);
        merged.Add(second);
        Assert.Equal(recorder.Whole.ValueAt(0.99), merged.ValueAt(0.99));
        Assert.Equal(50_000, merged.MaxMicros);
    }

    [Fact]
    public async Task Recording_from_many_threads_at_once_loses_no_value()
    {
        var histogram = new LatencyHistogram();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 100_000; i++)
            {
                histogram.Record(i % 5_000);
            }
        })));

        Assert.Equal(800_000, histogram.Count);
        Assert.Equal(4_999, histogram.MaxMicros);
    }
}
