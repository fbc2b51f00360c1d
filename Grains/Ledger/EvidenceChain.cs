using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ClearingCluster.Interfaces.Ledger;

namespace ClearingCluster.Grains.Ledger;

/// <summary>
/// The hash chain, with no I/O: <c>hash = hex(SHA-256(prevHash ‖ canonical))</c>, where <c>prevHash</c> is the
/// previous entry's hash as 64 lower-case hex ASCII bytes (64 zeros before the first entry) and
/// <c>canonical</c> is the canonical JSON of <c>{at, eventId, kind, payload, seq, subject}</c>.
/// </summary>
public static class EvidenceChain
{
    public static readonly string GenesisHash = new('0', 64);

    public static LedgerHead Genesis => new(0, GenesisHash);

    /// <summary>Times are kept to the microsecond, PostgreSQL's precision, so a stored entry re-hashes identically.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset at) => new(at.UtcTicks - at.UtcTicks % 10, TimeSpan.Zero);

    public static LedgerEntry Next(LedgerHead head, EvidenceRecord record, DateTimeOffset at)
    {
        var seq = head.Seq + 1;
        var when = Truncate(at);
        var hash = Hash(head.Hash, seq, record.EventId, record.Kind, record.Subject, record.Payload, when);
        return new LedgerEntry(seq, record.EventId, record.Kind, record.Subject, record.Payload, head.Hash, hash, when, record.Range);
    }

    /// <summary>Whether the entry's hash is right for its content and the hash before it.</summary>
    public static bool Verifies(LedgerEntry entry, string previousHash) =>
        entry.PrevHash == previousHash
        && entry.Hash == Hash(previousHash, entry.Seq, entry.EventId, entry.Kind, entry.Subject, entry.Payload, entry.At);

    public static string Canonical(long seq, string eventId, string kind, string subject, JsonObject payload, DateTimeOffset at) =>
        CanonicalJson.SerializeToString(CanonicalObject(seq, eventId, kind, subject, payload, at));

    public static string Hash(string previousHash, long seq, string eventId, string kind, string subject, JsonObject payload, DateTimeOffset at)
    {
        var canonical = CanonicalJson.Serialize(CanonicalObject(seq, eventId, kind, subject, payload, at));
        var input = new byte[64 + canonical.Length];
        Encoding.ASCII.GetBytes(previousHash, input);
        canonical.CopyTo(input, 64);
        return Convert.ToHexStringLower(SHA256.HashData(input));
    }

    public static string FormatTime(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static JsonObject CanonicalObject(long seq, string eventId, string kind, string subject, JsonObject payload, DateTimeOffset at) => new()
    {
        ["at"] = FormatTime(at),
        ["eventId"] = eventId,
        ["kind"] = kind,
        ["payload"] = payload.DeepClone(),
        ["seq"] = seq,
        ["subject"] = subject,
    };
}
