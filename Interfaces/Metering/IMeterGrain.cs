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

    /// <summary>
    /// Closes cycle <paramref name="closing"/> in this shard: from this turn on, usage counts in <paramref name="next"/>,
    /// and contracts ending at or before <paramref name="cutAt"/> take no more (their escrow is settled in the closing
    /// cycle). Returns once every part counted in the closing cycle is durable. Repeating it changes nothing.
    /// </summary>
    [AlwaysInterleave]
    Task CutOff(string closing, string next, DateTimeOffset cutAt);
}
