using System.Diagnostics;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Metering;
using ClearingCluster.Runtime;
using Microsoft.Extensions.Logging;

namespace ClearingCluster.Grains.Metering;

/// <summary>
/// A meter shard. A part is checked and counted in memory within one turn (so quotas are never overrun, whatever
/// the interleaving), then waits for the flush loop, which commits every pending part in one transaction. Only a
/// durable part is answered. A failed flush takes back every pending count and refuses its parts (503); a part
/// already committed is answered from storage with <c>duplicate</c>. Counters are rebuilt from durable totals as
/// contracts are first seen, so a restarted shard is ready at once.
/// </summary>
public sealed class MeterGrain(IUsageStore store, MeterOptions options, MeteringMetrics metrics, ILogger<MeterGrain> logger) : Grain, IMeterGrain
{
    private readonly MeterBook book = new();
    private readonly Dictionary<(string, long), Task<MeterAnswer>> inFlight = [];

    /// <summary>
    /// Per producer, the highest sequence this shard has committed, learned from storage at first sight and kept up to
    /// date by every flush: a higher sequence cannot be stored, so only lower ones cost a lookup. Bounded by the
    /// number of producers.
    /// </summary>
    private readonly Dictionary<string, long> committedMax = new(StringComparer.Ordinal);
    private List<Pending> pending = [];
    private int pendingRecords;
    private TaskCompletionSource flushed = NewFlush();
    private bool flushing;
    private long refuseUntilTimestamp;

    private int Shard => int.Parse(GetPrimaryKeyString(), System.Globalization.CultureInfo.InvariantCulture);

    public async Task<MeterAnswer> Apply(MeterPart part)
    {
        if (part.Records.Length != part.Indexes.Length || part.Records.Length == 0)
        {
            throw DomainException.Invalid("invalid_part", "a meter part carries one index per record, and at least one record");
        }
        var key = (part.Producer, part.Sequence);
        if (inFlight.TryGetValue(key, out var running))
        {
            var first = await running;
            return first with { Duplicate = true };
        }
        var work = ApplyOnceAsync(part);
        inFlight[key] = work;
        try
        {
            return await work;
        }
        finally
        {
            inFlight.Remove(key);
        }
    }

    public async Task<long> Used(string contractId)
    {
        await LoadAsync([contractId]);
        return book.Find(contractId)?.Used
            ?? (await store.LoadContractsAsync([contractId], CancellationToken.None)).SingleOrDefault()?.Used
            ?? 0;
    }

    private async Task<MeterAnswer> ApplyOnceAsync(MeterPart part)
    {
        if (!committedMax.TryGetValue(part.Producer, out var max))
        {
            max = await store.MaxSequenceAsync(part.Producer, Shard, CancellationToken.None);
            committedMax[part.Producer] = Math.Max(max, committedMax.GetValueOrDefault(part.Producer, -1));
        }
        if (part.Sequence <= committedMax[part.Producer]
            && await store.FindPartAsync(part.Producer, part.Sequence, Shard, CancellationToken.None) is { } stored)
        {
            return stored.Digest.AsSpan().SequenceEqual(part.BatchDigest)
                ? stored.Answer with { Duplicate = true }
                : throw DomainException.Conflict("sequence_reused", $"producer {part.Producer} used sequence {part.Sequence} for another batch");
        }
        if (Stopwatch.GetTimestamp() < Volatile.Read(ref refuseUntilTimestamp) || pendingRecords + part.Records.Length > options.PendingRecordsMax)
        {
            throw new MeterUnavailableException($"meter shard {Shard} is not taking usage right now", options.RetryAfter);
        }
        await LoadAsync(part.Records.Select(r => r.ContractId).Distinct().ToList());

        // One synchronous segment: check and count every record of the part.
        var accepted = new List<UsageRecord>(part.Records.Length);
        var rejected = new List<UsageRejectionAt>();
        long acceptedUnits = 0;
        for (var i = 0; i < part.Records.Length; i++)
        {
            var record = part.Records[i];
            var reason = part.BuyerOnly is { } buyer && book.Find(record.ContractId) is { } meter && meter.Buyer != buyer
                ? UsageRejection.UnknownContract
                : book.Apply(record);
            if (reason == UsageRejection.None)
            {
                accepted.Add(record);
                acceptedUnits += record.Units;
            }
            else
            {
                rejected.Add(new UsageRejectionAt(part.Indexes[i], UsageRejections.Wire(reason)));
            }
        }
        var answer = new MeterAnswer(accepted.Count, acceptedUnits, rejected, false);
        var durable = flushed.Task;
        pending.Add(new Pending(new CommittedPart(part.Producer, part.Sequence, part.BatchDigest, answer, accepted)));
        pendingRecords += accepted.Count;
        if (!flushing)
        {
            flushing = true;
            _ = FlushLoopAsync();
        }
        await durable;
        metrics.Applied(answer, part.Records.Length);
        return answer;
    }

    /// <summary>
    /// Loads the meters of contracts not seen yet, and reloads inactive ones every time (so a contract that becomes
    /// active counts at once); an active meter already counting is kept as it is.
    /// </summary>
    private async Task LoadAsync(IReadOnlyCollection<string> contractIds)
    {
        var missing = contractIds.Where(id => book.Find(id) is not { Active: true }).ToList();
        if (missing.Count == 0)
        {
            return;
        }
        foreach (var contract in await store.LoadContractsAsync(missing, CancellationToken.None))
        {
            // Another part may have loaded it meanwhile and counted on it: keep that one.
            if (book.Find(contract.ContractId) is not { Active: true })
            {
                book.Track(new ContractMeter(contract.ContractId, contract.Quota, contract.Used,
                    Wire.UsageEnvelope.ToMicros(contract.ValidFrom), Wire.UsageEnvelope.ToMicros(contract.ValidTo), contract.Active, contract.Buyer));
            }
        }
    }

    private async Task FlushLoopAsync()
    {
        try
        {
            while (pending.Count > 0)
            {
                // Let parts arriving now join this flush.
                await Task.Delay(options.FlushInterval);
                var batch = pending;
                var completion = flushed;
                pending = [];
                pendingRecords = 0;
                flushed = NewFlush();
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await store.CommitAsync(Shard, options.OpenCycleId, [.. batch.Select(p => p.Part)], CancellationToken.None);
                    foreach (var part in batch)
                    {
                        committedMax[part.Part.Producer] = Math.Max(committedMax.GetValueOrDefault(part.Part.Producer, -1), part.Part.Sequence);
                    }
                    metrics.Flushed(batch.Sum(p => p.Part.Accepted.Count), Stopwatch.GetElapsedTime(started));
                    completion.SetResult();
                }
                catch (Exception error)
                {
                    metrics.FlushFailed();
                    logger.LogError(error, "meter shard {Shard}: flush of {Parts} parts failed; they are refused and their counts taken back", Shard, batch.Count);
                    Volatile.Write(ref refuseUntilTimestamp, Stopwatch.GetTimestamp() + (long)(options.RetryAfter.TotalSeconds * Stopwatch.Frequency));
                    // Everything counted since the last durable flush is taken back: later parts may have been
                    // refused for quota because of counts that never became durable.
                    var chained = flushed;
                    foreach (var part in batch.Concat(pending))
                    {
                        foreach (var record in part.Part.Accepted)
                        {
                            book.Revert(record);
                        }
                    }
                    pending = [];
                    pendingRecords = 0;
                    flushed = NewFlush();
                    var unavailable = new MeterUnavailableException($"meter shard {Shard} could not make usage durable: {error.Message}", options.RetryAfter);
                    completion.SetException(unavailable);
                    chained.SetException(unavailable);
                }
            }
        }
        finally
        {
            flushing = false;
        }
    }

    private static TaskCompletionSource NewFlush() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed record Pending(CommittedPart Part);
}
