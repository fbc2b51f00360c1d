using System.Diagnostics;
using ClearingCluster.Load.Simulator;

namespace ClearingCluster.Load.Tests;

/// <summary>
/// Open-loop pacing: due times follow the target rate whatever the callers do, so latency counts from when a request
/// was due (no coordinated omission); closed loop sends at once.
/// </summary>
public sealed class SendScheduleTests
{
    [Fact]
    public void Open_loop_due_times_are_spaced_by_the_rate_across_every_caller_and_by_the_units_a_request_carries()
    {
        var schedule = SendSchedule.OpenLoop(1_000);
        var first = schedule.Reserve(1);
        var second = schedule.Reserve(10);
        var third = schedule.Reserve(1);

        Assert.Equal(Stopwatch.Frequency / 1_000, second - first);
        Assert.Equal(10 * Stopwatch.Frequency / 1_000, third - second);
        Assert.True(schedule.IsOpenLoop);
    }

    [Fact]
    public void A_late_caller_keeps_the_due_time_it_was_given_so_its_wait_counts_as_latency()
    {
        var schedule = SendSchedule.OpenLoop(10);
        var due = new List<long>();
        for (var i = 0; i < 50; i++)
        {
            due.Add(schedule.Reserve(1));
        }

        // Fifty requests at 10/s are due over five seconds however quickly they are asked for.
        Assert.Equal(49 * Stopwatch.Frequency / 10, due[^1] - due[0], tolerance: 1);
    }

    [Fact]
    public async Task Closed_loop_requests_are_due_when_they_are_asked_for()
    {
        var schedule = SendSchedule.ClosedLoop();
        var before = Stopwatch.GetTimestamp();
        var due = await schedule.NextAsync(5, CancellationToken.None);

        Assert.InRange(due, before, Stopwatch.GetTimestamp());
        Assert.False(schedule.IsOpenLoop);
    }

    [Fact]
    public async Task Waiting_for_a_due_time_ends_when_the_run_stops()
    {
        var schedule = SendSchedule.OpenLoop(0.001);
        schedule.Reserve(1);
        using var stop = new CancellationTokenSource();
        var waiting = schedule.NextAsync(1, stop.Token).AsTask();
        stop.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_rate_that_is_not_a_positive_finite_number_is_refused(double rate) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SendSchedule.OpenLoop(rate));
}
