using ClearingCluster.Client;

namespace ClearingCluster.Load.Simulator;

/// <summary>
/// Counts what the typed client repeats on its own (a lost answer, a 503) for the chaos report: how many requests were
/// in doubt at least once, and how many attempts were sent again in all. Give every client of a run the options it makes.
/// </summary>
public sealed class RepeatCounter
{
    private long requests;
    private long repeats;

    public long RequestsRepeated => Interlocked.Read(ref requests);

    public long Repeats => Interlocked.Read(ref repeats);

    public ClearingClientOptions Counting(ClearingClientOptions options) => options with
    {
        OnRepeat = number =>
        {
            Interlocked.Increment(ref repeats);
            if (number == 1)
            {
                Interlocked.Increment(ref requests);
            }
        },
    };
}
