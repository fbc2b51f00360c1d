using ClearingCluster.Grains.Validation;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Ledger;
using ClearingCluster.Runtime;
using Microsoft.Extensions.Logging;

namespace ClearingCluster.Grains.Ledger;

/// <summary>
/// The evidence ledger. An append chains its entry in memory within one turn (so the chain has one order) and
/// then waits for the flush loop, which writes everything pending in one transaction and starts the next batch
/// with whatever arrived meanwhile: group commit, sized by load. A failed write voids everything after the last
/// durable entry and the chain continues from there, without gaps.
/// </summary>
public sealed class LedgerGrain(ILedgerStore store, TimeProvider time, ILogger<LedgerGrain> logger) : Grain, ILedgerGrain
{
    public const int PayloadBytesMax = 16 * 1024;
    public const int KindLengthMax = 64;
    private const int RememberedEventsMax = 50_000;

    private readonly Dictionary<string, LedgerEntry> recentByEventId = new(StringComparer.Ordinal);
    private readonly Queue<string> recentOrder = new();
    private LedgerHead head = EvidenceChain.Genesis;
    private LedgerHead durableHead = EvidenceChain.Genesis;
    private List<LedgerEntry> pending = [];
    private TaskCompletionSource batchDone = NewBatch();
    private bool flushing;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        durableHead = head = await store.ReadHeadAsync(cancellationToken);
    }

    public async Task<LedgerEntry> Append(EvidenceRecord record)
    {
        Validate(record);
        if (recentByEventId.TryGetValue(record.EventId, out var known))
        {
            await WaitDurableAsync(known.Seq);
            return known;
        }

        var entry = EvidenceChain.Next(head, record, time.GetUtcNow());
        head = new LedgerHead(entry.Seq, entry.Hash);
        pending.Add(entry);
        Remember(entry);
        var durable = batchDone.Task;
        if (!flushing)
        {
            flushing = true;
            _ = FlushLoopAsync();
        }
        await durable;
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

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        while (flushing)
        {
            await batchDone.Task.ContinueWith(static _ => { }, TaskScheduler.Current);
        }
    }

    private async Task FlushLoopAsync()
    {
        try
        {
            while (pending.Count > 0)
            {
                // Let appends already queued behind this turn join the batch.
                await Task.Yield();
                var batch = pending;
                var completion = batchDone;
                pending = [];
                batchDone = NewBatch();
                try
                {
                    await store.AppendAsync(batch, CancellationToken.None);
                    durableHead = new LedgerHead(batch[^1].Seq, batch[^1].Hash);
                    completion.SetResult();
                }
                catch (Exception error)
                {
                    logger.LogError(error, "ledger batch {First}–{Last} failed; the chain continues from {Durable}", batch[0].Seq, batch[^1].Seq, durableHead.Seq);
                    var chainedOnFailure = batchDone;
                    foreach (var entry in batch.Concat(pending))
                    {
                        recentByEventId.Remove(entry.EventId);
                    }
                    pending = [];
                    batchDone = NewBatch();
                    head = durableHead;
                    completion.SetException(error);
                    chainedOnFailure.SetException(error);
                }
            }
        }
        finally
        {
            flushing = false;
        }
    }

    private async Task WaitDurableAsync(long seq)
    {
        while (seq > durableHead.Seq)
        {
            await batchDone.Task;
        }
    }

    private void Remember(LedgerEntry entry)
    {
        recentByEventId[entry.EventId] = entry;
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
        if (CanonicalJson.Serialize(record.Payload).Length > PayloadBytesMax)
        {
            throw DomainException.Invalid("payload_too_large", $"an evidence payload is at most {PayloadBytesMax} bytes of canonical JSON");
        }
    }

    private static TaskCompletionSource NewBatch() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
