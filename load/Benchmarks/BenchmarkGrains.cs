using ClearingCluster.Runtime;

namespace ClearingCluster.Load.Benchmarks;

public interface IPingGrain : IGrainWithStringKey
{
    Task<long> Ping(long value);

    /// <summary>Yields once, so the call cannot complete inline: every call takes the queued, thread-pool path.</summary>
    Task<long> PingYielding(long value);
}

/// <summary>Does nothing but answer: what is measured is the runtime's own cost per call.</summary>
public sealed class PingGrain : Grain, IPingGrain
{
    private long calls;

    public Task<long> Ping(long value) => Task.FromResult(value + ++calls);

    public async Task<long> PingYielding(long value)
    {
        await Task.Yield();
        return value + ++calls;
    }
}

public sealed class WriterState
{
    public long Writes { get; set; }

    public string Note { get; set; } = "";
}

public interface IWriterGrain : IGrainWithStringKey
{
    Task<long> Write();
}

public sealed class WriterGrain([PersistentState("writer")] IPersistentState<WriterState> state) : Grain, IWriterGrain
{
    public async Task<long> Write()
    {
        state.State.Writes++;
        state.State.Note = "balance update";
        await state.WriteStateAsync();
        return state.State.Writes;
    }
}
