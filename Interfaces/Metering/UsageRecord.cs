namespace ClearingCluster.Interfaces.Metering;

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
    FutureCall,
    ContractClosed,
    DuplicateCall,
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
        UsageRejection.FutureCall => "future_call",
        UsageRejection.ContractClosed => "contract_closed",
        UsageRejection.DuplicateCall => "duplicate_call",
        _ => "accepted",
    };
}

/// <summary>One record's refusal, at its index in the batch as the producer sent it.</summary>
public readonly record struct UsageRejectionAt(int Index, string Reason);

/// <summary>The part of a batch that falls to one meter shard, with each record's index in the whole batch.</summary>
public sealed record MeterPart(string Producer, long Sequence, byte[] BatchDigest, string? BuyerOnly, int[] Indexes, UsageRecord[] Records);

/// <summary>A shard's answer for its part: recorded with the part, and returned again for a replay.</summary>
public sealed record MeterAnswer(int Accepted, long AcceptedUnits, IReadOnlyList<UsageRejectionAt> Rejected, bool Duplicate);

/// <summary>The meter cannot take usage now (the database is behind or down); retry after the hinted time.</summary>
public sealed class MeterUnavailableException(string message, TimeSpan retryAfter) : Exception(message)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}
