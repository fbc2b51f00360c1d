namespace ClearingCluster.Wire;

/// <summary>One data call: <c>units</c> 1–1,000,000 of <c>contract</c>'s quota, at <c>at</c>.</summary>
public sealed record UsageRecordRequest(string CallId, string Contract, DateTimeOffset At, long Units);

/// <summary>A usage batch; <c>(producer, sequence)</c> is its idempotency key, scoped to the calling member.</summary>
public sealed record UsageBatchRequest(string Producer, long Sequence, IReadOnlyList<UsageRecordRequest> Records);

public sealed record UsageRejectedRecord(int Index, string Reason);

/// <summary>Answered once every accepted record is durable; <c>duplicate</c> when the batch was seen before (the first answer).</summary>
public sealed record UsageResponse(int Accepted, IReadOnlyList<UsageRejectedRecord> Rejected, bool Duplicate);

/// <summary>One time a contract counted a call: the cycle it is billed in, and which producer sent it when.</summary>
public sealed record UsageCallOccurrence(string CycleId, DateTimeOffset At, long Units, string Producer, DateTimeOffset CommittedAt);

/// <summary>A dispute's answer: every time the contract counted the call (twice only when the repeats were further apart than the deduplication window).</summary>
public sealed record UsageCallResponse(string CallId, string Contract, IReadOnlyList<UsageCallOccurrence> Occurrences);
