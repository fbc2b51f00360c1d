using ClearingCluster.Interfaces.Metering;

namespace ClearingCluster.Grains.Metering;

/// <summary>One batch part's commit: its key, digest and answer, and the records it accepted.</summary>
public sealed record CommittedPart(string Producer, long Sequence, byte[] Digest, MeterAnswer Answer, IReadOnlyList<UsageRecord> Accepted);

/// <summary>A contract as the meter needs it, with its use so far over all cycles.</summary>
public sealed record MeteredContract(string ContractId, string Buyer, long Quota, long Used, DateTimeOffset ValidFrom, DateTimeOffset ValidTo, bool Active);

public interface IUsageStore
{
    /// <summary>One transaction: packed records, per-contract totals, and each part's answer. A part already stored fails the whole flush.</summary>
    Task CommitAsync(int shard, string cycleId, IReadOnlyList<CommittedPart> parts, CancellationToken cancellationToken);

    Task<(byte[] Digest, MeterAnswer Answer)?> FindPartAsync(string producer, long sequence, int shard, CancellationToken cancellationToken);

    /// <summary>The highest sequence of the producer this shard has committed; -1 when none.</summary>
    Task<long> MaxSequenceAsync(string producer, int shard, CancellationToken cancellationToken);

    Task<IReadOnlyList<MeteredContract>> LoadContractsAsync(IReadOnlyCollection<string> contractIds, CancellationToken cancellationToken);
}
