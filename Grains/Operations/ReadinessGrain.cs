using ClearingCluster.Interfaces.Operations;
using ClearingCluster.Runtime;

namespace ClearingCluster.Grains.Operations;

public sealed class ReadinessState
{
    public long Probes { get; set; }
}

public sealed class ReadinessGrain([PersistentState("readiness")] IPersistentState<ReadinessState> state) : Grain, IReadinessGrain
{
    public async Task<long> Probe()
    {
        state.State.Probes++;
        await state.WriteStateAsync();
        return state.State.Probes;
    }
}
