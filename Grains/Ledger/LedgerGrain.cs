using ClearingCluster.Grains.Validation;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Ledger;
using ClearingCluster.Runtime;
using ClearingCluster.Runtime.Durability;

namespace ClearingCluster.Grains.Ledger;

/// <summary>
/// The evidence ledger. An append chains its entry in memory within one turn (so the chain has one order) and waits
/// for the commit log, where many appends share one transaction. If a flush fails, this activation's chain is ahead
/// of storage: every later append is refused and the next activation continues from the durable head, so the chain
/// has no gaps and no forks. The ledger's epoch fences every flush, so a second activation can never fork it.
/// </summary>
public sealed class LedgerGrain(ILedgerStore store, GroupCommit commit, TimeProvider time) : Grain, ILedgerGrain
{
    public const int PayloadBytesMax = 16 * 1024;
    public const int KindLengthMax = 64;
    private const int RememberedEventsMax = 50_000;

    /// <summary>
    /// Appends waiting for their flush at most; beyond, an append is refused (503, retry) before anything changes, so a
    /// flood of evidence cannot hold unbounded entries in memory. Every publisher keeps its record until it is on the
    /// ledger (an outbox, a book's unevidenced contracts, a cycle's ledger seq), so a refusal loses nothing.
    /// </summary>
    public const int PendingAppendsMax = 10_000;

    private int pendingAppends;

    private readonly Dictionary<string, (LedgerEntry Entry, Task Durable)> recentByEventId = new(StringComparer.Ordinal);
    private readonly Queue<string> recentOrder = new();
    private CommitWriter writer = null!;
    private LedgerHead head = EvidenceChain.Genesis;
    private LedgerHead durableHead = EvidenceChain.Genesis;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Claim the epoch before reading: whatever an older activation still commits is then refused.
        writer = await commit.OpenWriterAsync("ledger", GrainId, cancellationToken);
        durableHead = head = await store.ReadHeadAsync(cancellationToken);
    }

    public async Task<LedgerEntry> Append(EvidenceRecord record)
    {
        Validate(record);
        if (recentByEventId.TryGetValue(record.EventId, out var known))
        {
            await known.Durable;
            return known.Entry;
        }
        if (pendingAppends >= PendingAppendsMax)
        {
            throw DomainException.Unavailable("overloaded", $"the ledger has {pendingAppends} appends waiting for their flush, its limit is {PendingAppendsMax}; retry");
        }
        writer.EnsureCanCommit(1);

        var entry = EvidenceChain.Next(head, record, time.GetUtcNow());
        head = new LedgerHead(entry.Seq, entry.Hash);
        var durable = writer.CommitAsync(new LedgerAppend([entry]));
        Remember(entry, durable);
        pendingAppends++;
        try
        {
            await durable;
        }
        catch
        {
            // The chain in memory runs ahead of storage: the next activation continues from the durable head.
            DeactivateOnIdle();
            throw;
        }
        finally
        {
            pendingAppends--;
        }
        if (entry.Seq > durableHead.Seq)
        {
            durableHead = new LedgerHead(entry.Seq, entry.Hash);
        }
        return entry;
    }

    public async Task<LedgerEntry> Redeliver(EvidenceRecord record)
    {
        Validate(record);
        if (!recentByEventId.ContainsKey(record.EventId) && await store.FindByEventIdAsync(record.EventId, CancellationToken.None) is { } stored)
        {
            return stored;
        }
        return await Append(record);
    }

    public Task<LedgerHead> Head() => Task.FromResult(durableHead);

    private void Remember(LedgerEntry entry, Task durable)
    {
        recentByEventId[entry.EventId] = (entry, durable);
        recentOrder.Enqueue(entry.EventId);
        while (recentOrder.Count > RememberedEventsMax)
        {
            recentByEventId.Remove(recentOrder.Dequeue());
        }
    }

    private static void Validate(EvidenceRecord record)
    {
        Inputs.Text(record.EventId, "eventId", 200);
        Inputs.Text(record.Kind, "kind", KindLengthMax);
        Inputs.Text(record.Subject, "subject", 200);
        if (record.Range is { } range && (range.First < 1 || range.Last < range.First))
        {
            throw DomainException.Invalid("invalid_range", "an evidence range runs from 1 up, first to last");
        }
        if (CanonicalJson.Serialize(record.Payload).Length > PayloadBytesMax)
        {
            throw DomainException.Invalid("payload_too_large", $"an evidence payload is at most {PayloadBytesMax} bytes of canonical JSON");
        }
    }
}
