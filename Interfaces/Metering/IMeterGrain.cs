using ClearingCluster.Runtime;

namespace ClearingCluster.Interfaces.Metering;

/// <summary>
/// One meter shard (key: its number), counting the usage of the contracts that hash to it. Parts of many batches
/// share one durable commit; an answer is returned only once its part is durable.
/// </summary>
public interface IMeterGrain : IGrainWithStringKey
{
    [AlwaysInterleave]
    Task<MeterAnswer> Apply(MeterPart part);

    /// <summary>Units used by the contract so far, the open cycle included.</summary>
    [AlwaysInterleave]
    Task<long> Used(string contractId);
}
