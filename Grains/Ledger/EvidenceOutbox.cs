using ClearingCluster.Interfaces.Ledger;
using ClearingCluster.Runtime;

namespace ClearingCluster.Grains.Ledger;

/// <summary>
/// How a grain puts evidence on the ledger without losing it: the records are committed with the grain's own
/// state first (its outbox), then appended; a grain that finds records in its outbox on activation redelivers them,
/// and the ledger returns the entries already written instead of writing them twice.
/// </summary>
public static class EvidenceOutbox
{
    /// <summary>
    /// Writes the grain's state with <paramref name="record"/> in its outbox, then appends the record. If the write
    /// fails, memory no longer matches storage: <paramref name="onWriteFailed"/> drops the activation.
    /// </summary>
    public static async Task CommitAsync<TState>(IGrainFactory grains, IPersistentState<TState> state, List<EvidenceRecord> outbox,
        EvidenceRecord record, Action onWriteFailed)
        where TState : class, new()
    {
        outbox.Add(record);
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            onWriteFailed();
            throw;
        }
        await PublishAsync(grains, outbox, [record]);
    }

    /// <summary>An event id unique per subject and state version: the same change always gets the same id.</summary>
    public static EvidenceRecord Record(string kind, string subject, long version, System.Text.Json.Nodes.JsonObject payload) =>
        new($"{kind}/{subject}/{version}", kind, subject, payload);

    public static async Task PublishAsync(IGrainFactory grains, List<EvidenceRecord> outbox, IReadOnlyList<EvidenceRecord> records, bool redelivery = false)
    {
        var ledger = grains.GetGrain<ILedgerGrain>(ILedgerGrain.Key);
        foreach (var record in records)
        {
            if (redelivery)
            {
                await ledger.Redeliver(record);
            }
            else
            {
                await ledger.Append(record);
            }
            // Published: drop it from the in-memory outbox; the stored copy goes with the next write, and a
            // redelivery of a stored copy is harmless.
            outbox.Remove(record);
        }
    }
}
