using System.Text.Json.Nodes;

namespace ClearingCluster.Interfaces.Ledger;

/// <summary>
/// A fact for the evidence ledger. <see cref="EventId"/> is unique: appending it again (a redelivery after a
/// crash) returns the entry already written instead of a second one.
/// </summary>
public sealed record EvidenceRecord(string EventId, string Kind, string Subject, JsonObject Payload);

/// <summary>
/// One entry of the hash chain: <c>hash = SHA-256(prevHash ‖ canonical)</c>, where canonical is the canonical
/// JSON of <c>{at, eventId, kind, payload, seq, subject}</c> (docs/LEDGER.md).
/// </summary>
public sealed record LedgerEntry(long Seq, string EventId, string Kind, string Subject, JsonObject Payload, string PrevHash, string Hash, DateTimeOffset At);

public sealed record LedgerHead(long Seq, string Hash);

public sealed record LedgerVerification(bool Ok, long Entries, LedgerHead Head, long? FirstBadSeq, string? Problem);
