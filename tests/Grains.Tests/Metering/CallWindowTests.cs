using ClearingCluster.Grains.Metering;
using FsCheck;
using FsCheck.Fluent;

namespace ClearingCluster.Grains.Tests.Metering;

public sealed class CallWindowTests
{
    private const long Second = 1_000_000;

    /// <summary>One operation on a window: remember, forget or expire, then every fingerprint is asked.</summary>
    private sealed record Step(int Kind, int Call, int AtSecond);

    [Fact]
    public void Whatever_is_remembered_forgotten_and_expired_the_table_answers_as_a_dictionary_would()
    {
        // Few distinct calls whose low bits mostly agree: long probe runs, wrap-around and backward shifts get exercised.
        var steps = Gen.Choose(0, 2).SelectMany(kind => Gen.Choose(0, 60).SelectMany(call => Gen.Choose(0, 50).Select(at => new Step(kind, call, at))))
            .ListOf();
        var property = Prop.ForAll(steps.ToArbitrary(), list =>
        {
            var window = new CallWindow();
            var model = new Dictionary<long, long>();
            long start = 0;
            foreach (var step in list)
            {
                var fingerprint = Fingerprint(step.Call);
                switch (step.Kind)
                {
                    case 0:
                        var at = step.AtSecond * Second;
                        var added = window.Remember(fingerprint, at, start);
                        var expected = at < start ? 0 : model.TryAdd(fingerprint, at) ? 1 : 0;
                        if (expected == 0 && at >= start)
                        {
                            model[fingerprint] = Math.Max(model[fingerprint], at);
                        }
                        if (added != expected)
                        {
                            return false;
                        }
                        break;
                    case 1:
                        if (window.Forget(fingerprint) != (model.Remove(fingerprint) ? 1 : 0))
                        {
                            return false;
                        }
                        break;
                    default:
                        start = step.AtSecond / 2 * Second;
                        var dropped = model.Where(m => m.Value < start).Select(m => m.Key).ToList();
                        dropped.ForEach(k => model.Remove(k));
                        if (window.Expire(start) != dropped.Count)
                        {
                            return false;
                        }
                        break;
                }
                if (window.Count != model.Count
                    || Enumerable.Range(0, 61).Any(c => window.Holds(Fingerprint(c), start) != (model.TryGetValue(Fingerprint(c), out var seen) && seen >= start)))
                {
                    return false;
                }
            }
            return true;
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500).WithReplay(674386, 1), property);
    }

    [Fact]
    public void A_million_calls_are_all_found_through_every_growth_and_no_other_is()
    {
        var window = new CallWindow();
        for (var i = 0; i < 1_000_000; i++)
        {
            Assert.Equal(1, window.Remember(CallFingerprint.Of($"call-{i}"), i, 0));
        }
        Assert.Equal(1_000_000, window.Count);
        Assert.All(Enumerable.Range(0, 1_000_000).Where(i => i % 997 == 0), i => Assert.True(window.Holds(CallFingerprint.Of($"call-{i}"), 0)));
        Assert.False(window.Holds(CallFingerprint.Of("call-1000000"), 0));
    }

    /// <summary>Distinct fingerprints sharing their low bits in groups of eight.</summary>
    private static long Fingerprint(int call) => ((long)call << 20) | (uint)(call % 8);
}
