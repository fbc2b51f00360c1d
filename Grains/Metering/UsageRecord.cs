namespace ClearingCluster.Grains.Metering;

/// <summary>One data call as a producer reports it. <see cref="AtMicros"/>: µs since the Unix epoch, UTC.</summary>
public readonly record struct UsageRecord(string CallId, string ContractId, long AtMicros, long Units);

/// <summary>Why a record was not counted. <c>bad_record</c> is decided while parsing; the rest by the meter.</summary>
public enum UsageRejection : byte
{
    None,
    BadRecord,
    UnknownContract,
    ContractNotActive,
    OutsideValidity,
    QuotaExceeded,
}

public static class UsageRejections
{
    public static string Wire(UsageRejection reason) => reason switch
    {
        UsageRejection.BadRecord => "bad_record",
        UsageRejection.UnknownContract => "unknown_contract",
        UsageRejection.ContractNotActive => "contract_not_active",
        UsageRejection.OutsideValidity => "outside_validity",
        UsageRejection.QuotaExceeded => "quota_exceeded",
        _ => "accepted",
    };
}

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
