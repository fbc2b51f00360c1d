using System.Text.Json.Nodes;

namespace ClearingCluster.Interfaces.Ledger;

/// <summary>
/// A fact for the evidence ledger. <see cref="EventId"/> is unique: appending it again (a redelivery after a
/// crash) returns the entry already written instead of a second one. An entry that stands for a numbered range of
/// its subject (contracts first–last of a product) names it in <see cref="Range"/>, so it can be found by number.
/// </summary>
public sealed record EvidenceRecord(string EventId, string Kind, string Subject, JsonObject Payload, EvidenceRange? Range = null);

/// <summary>The numbers an entry stands for, inclusive. Not part of the hash: the payload states them too.</summary>
public sealed record EvidenceRange(long First, long Last);

/// <summary>
/// One entry of the hash chain: <c>hash = SHA-256(prevHash ‖ canonical)</c>, where canonical is the canonical
/// JSON of <c>{at, eventId, kind, payload, seq, subject}</c> (docs/LEDGER.md).
/// </summary>
public sealed record LedgerEntry(long Seq, string EventId, string Kind, string Subject, JsonObject Payload, string PrevHash, string Hash, DateTimeOffset At,
    EvidenceRange? Range = null);

public sealed record LedgerHead(long Seq, string Hash);

public sealed record LedgerVerification(bool Ok, long Entries, LedgerHead Head, long? FirstBadSeq, string? Problem);
