using ClearingCluster.Interfaces.Metering;

namespace ClearingCluster.Grains.Metering;

/// <summary>The bounds of a usage batch, each named; a batch outside them is refused whole.</summary>
public sealed record UsageLimits
{
    public int RecordsPerBatchMax { get; init; } = 10_000;

    public int ProducerLengthMax { get; init; } = 64;

    public int CallIdLengthMax { get; init; } = 64;

    public int ContractIdLengthMax { get; init; } = 128;

    public long UnitsPerRecordMax { get; init; } = 1_000_000;
}

/// <summary>A parsed batch: the records that parsed, and the indexes of those that did not.</summary>
public sealed class UsageBatch(string producer, long sequence, List<UsageRecord?> records)
{
    public string Producer { get; } = producer;

    public long Sequence { get; } = sequence;

    /// <summary>In submission order; null where the record at that index was malformed (<c>bad_record</c>).</summary>
    public List<UsageRecord?> Records { get; } = records;
}

/// <summary>The whole batch is unusable (no producer, not JSON, too many records): 400, nothing counted.</summary>
public sealed class UsageFormatException(string message) : Exception(message);
