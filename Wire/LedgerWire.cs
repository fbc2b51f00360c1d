using System.Text.Json.Nodes;

namespace ClearingCluster.Wire;

public sealed record LedgerEntryResponse(long Seq, string EventId, string Kind, string Subject, JsonObject Payload, string PrevHash, string Hash, DateTimeOffset At);

/// <summary>A page of entries; <c>next</c> is the <c>after</c> of the following page, null on the last.</summary>
public sealed record LedgerPageResponse(IReadOnlyList<LedgerEntryResponse> Entries, long? Next);

public sealed record LedgerHeadResponse(long Seq, string Hash);

/// <summary>The chain recomputed: <c>firstBadSeq</c> and <c>problem</c> name the first entry that does not verify.</summary>
public sealed record LedgerVerifyResponse(bool Ok, long Entries, LedgerHeadResponse Head, long? FirstBadSeq, string? Problem);
