using ClearingCluster.Interfaces.Metering;

namespace ClearingCluster.Grains.Metering;

/// <summary>One batch part's commit: its key, digest and answer, and the records it accepted.</summary>
public sealed record CommittedPart(string Producer, long Sequence, byte[] Digest, MeterAnswer Answer, IReadOnlyList<UsageRecord> Accepted);

/// <summary>A contract as the meter needs it, with its use so far over all cycles.</summary>
public sealed record MeteredContract(string ContractId, string Buyer, long Quota, long Used, DateTimeOffset ValidFrom, DateTimeOffset ValidTo, bool Active);

/// <summary>One counted call as storage holds it: what a dispute is shown.</summary>
public sealed record CallOccurrence(string CallId, string ContractId, string CycleId, DateTimeOffset At, long Units, string Producer, DateTimeOffset CommittedAt);

/// <summary>Usage in storage, read side: parts are written through the commit log (<see cref="UsageCommit"/>).</summary>
public interface IUsageStore
{
    Task<(byte[] Digest, MeterAnswer Answer)?> FindPartAsync(string producer, long sequence, int shard, CancellationToken cancellationToken);

    /// <summary>The highest sequence of the producer this shard has committed; -1 when none.</summary>
    Task<long> MaxSequenceAsync(string producer, int shard, CancellationToken cancellationToken);

    /// <summary>Units each contract has used over all cycles (contracts without usage are absent).</summary>
    Task<IReadOnlyDictionary<string, long>> UsedAsync(IReadOnlyCollection<string> contractIds, CancellationToken cancellationToken);

    /// <summary>Per contract, the fingerprints and times of the calls it counted dated from <paramref name="fromMicros"/> on.</summary>
    Task<IReadOnlyDictionary<string, List<(long Fingerprint, long AtMicros)>>> CallsSinceAsync(
        IReadOnlyCollection<string> contractIds, long fromMicros, CancellationToken cancellationToken);

    /// <summary>
    /// The calls found in storage among <paramref name="calls"/> (each looked for by its contract, id and time: a call
    /// sent again carries the time it was first sent with), with the fingerprint and time they were stored with.
    /// </summary>
    Task<IReadOnlyList<(string ContractId, long Fingerprint, long AtMicros)>> FindCallsAsync(
        IReadOnlyList<(string ContractId, string CallId, long AtMicros)> calls, CancellationToken cancellationToken);

    /// <summary>
    /// Every time the contract counted the call (more than once only outside the deduplication window); given the call's
    /// time, only the rows that can hold a call of that time are searched.
    /// </summary>
    Task<IReadOnlyList<CallOccurrence>> FindCallAsync(string contractId, string callId, long? atMicros, CancellationToken cancellationToken);
}
