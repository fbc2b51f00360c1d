using System.Text.Json.Nodes;
using ClearingCluster.Interfaces.Ledger;

namespace ClearingCluster.Gateway.Apis.Wire;

public sealed record LedgerEntryResponse(long Seq, string EventId, string Kind, string Subject, JsonObject Payload, string PrevHash, string Hash, DateTimeOffset At)
{
    public static LedgerEntryResponse From(LedgerEntry e) => new(e.Seq, e.EventId, e.Kind, e.Subject, e.Payload, e.PrevHash, e.Hash, e.At);
}

public sealed record LedgerPageResponse(IReadOnlyList<LedgerEntryResponse> Entries, long? Next);

public sealed record LedgerHeadResponse(long Seq, string Hash);

public sealed record LedgerVerifyResponse(bool Ok, long Entries, LedgerHeadResponse Head, long? FirstBadSeq, string? Problem);
