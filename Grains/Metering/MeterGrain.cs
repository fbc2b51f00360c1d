using ClearingCluster.Grains.Contracts;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Metering;
using ClearingCluster.Runtime;
using ClearingCluster.Runtime.Durability;

namespace ClearingCluster.Grains.Metering;

/// <summary>
/// A meter shard. A part is checked and counted in memory within one turn (so quotas are never overrun, whatever the
/// interleaving), then goes onto the commit log, and is answered once durable. If a flush fails, this activation's
/// counts are ahead of storage: it refuses everything after (503) and the next activation counts again from the
/// durable totals. A part already committed is answered from storage with <c>duplicate</c>. Counters are rebuilt from
/// durable totals as contracts are first seen, so a restarted shard is ready at once. A call id a contract already
/// counted within <see cref="MeterOptions.CallIdWindow"/> is refused as <c>duplicate_call</c>, whatever producer or
/// sequence carried it: each contract's window is read from the stored records when the contract is first seen, kept
/// in memory up to <see cref="MeterOptions.CallIdsRememberedMax"/>, and read again after it was forgotten. Every part is counted in the
/// cycle open when its records are checked, so a cut-off (<see cref="CutOff"/>) puts each record in exactly one cycle.
/// </summary>
public sealed class MeterGrain(
    IUsageStore store, Clearing.IClearingStore cycles, ContractDirectory contracts, GroupCommit commit, MeterOptions options, MeteringMetrics metrics,
    TimeProvider time) : Grain, IMeterGrain
{
    private readonly MeterBook book = new();
    private readonly Dictionary<(string, long), Task<MeterAnswer>> inFlight = [];

    /// <summary>
    /// Per producer, the highest sequence this shard has committed, learned from storage at first sight and kept up to
    /// date by every commit: a higher sequence cannot be stored, so only lower ones cost a lookup. Bounded by the
    /// number of producers.
    /// </summary>
    private readonly Dictionary<string, long> committedMax = new(StringComparer.Ordinal);
    private CommitWriter writer = null!;
    private string openCycle = null!;

    /// <summary>Contracts ending at or before this instant (the last cut-off) are settled: they take no more usage.</summary>
    private long closedThroughMicros = long.MinValue;

    /// <summary>
    /// Parts on their way to storage, with the cycle they were counted in (a cut-off waits for its cycle's) and the
    /// book's first tick of their calls (no window used since the oldest of them may be forgotten).
    /// </summary>
    /// <remarks>Keyed by a number of the grain's own: a task's identity hash took a sync block under load (~8 % of the Gateway's profile samples).</remarks>
    private readonly Dictionary<long, (Task Durable, string Cycle, long FirstTick, long MinAtMicros)> committing = [];
    private long partsNumbered;

    private int Shard => int.Parse(GetPrimaryKeyString(), System.Globalization.CultureInfo.InvariantCulture);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        writer = await commit.OpenWriterAsync($"meter/{Shard}", GrainId, cancellationToken);
        var open = await cycles.OpenCycleAsync(cancellationToken);
        openCycle = open.Id;
        closedThroughMicros = open.LastCutAt is { } cut ? Wire.UsageEnvelope.ToMicros(cut) : long.MinValue;
    }

    public async Task CutOff(string closing, string next, DateTimeOffset cutAt)
    {
        // One synchronous step: every record checked from here on counts in the next cycle.
        if (openCycle == closing)
        {
            openCycle = next;
            closedThroughMicros = Math.Max(closedThroughMicros, Wire.UsageEnvelope.ToMicros(cutAt));
        }
        else if (openCycle != next)
        {
            throw new InvalidOperationException($"meter shard {Shard} counts in cycle {openCycle}; it cannot cut {closing} off to {next}");
        }
        // A part that fails is counted nowhere; only the end of each matters here.
        var closingParts = committing.Values.Where(c => c.Cycle == closing).Select(c => c.Durable).ToList();
        await Task.WhenAll(closingParts.Select(p => p.ContinueWith(static _ => { }, TaskScheduler.Default)));
        if (closingParts.Any(p => p.IsFaulted))
        {
            // A flush reported failed may still commit (its answer was what failed). Claiming the shard's next epoch waits
            // for the lock such a flush holds and fences out any later one, so once this returns, nothing more lands in
            // the closing cycle. This activation's writer is failed already; the next activation claims its own.
            await commit.OpenWriterAsync($"meter/{Shard}", CancellationToken.None);
        }
    }

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
            ?? (await store.UsedAsync([contractId], CancellationToken.None)).GetValueOrDefault(contractId);
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
        var contractIds = part.Records.Select(r => r.ContractId).Distinct().ToList();
        await LoadAsync(contractIds);
        await PrepareCallsAsync(part, contractIds);
        Refuse(() => writer.EnsureCanCommit(part.Records.Length));

        // One synchronous segment: check and count every record of the part, and queue it for the commit log.
        var firstTick = book.Ticks + 1;
        var accepted = new List<UsageRecord>(part.Records.Length);
        var rejected = new List<UsageRejectionAt>();
        long acceptedUnits = 0;
        var oldestAccepted = long.MaxValue;
        var notAfter = checked(Wire.UsageEnvelope.ToMicros(time.GetUtcNow()) + (long)options.FutureSkew.TotalMicroseconds);
        var windowStart = WindowStart();
        var prepared = book.Prepare(part.Records);
        for (var i = 0; i < part.Records.Length; i++)
        {
            var record = part.Records[i];
            var reason = part.BuyerOnly is { } buyer && prepared[i].Meter is { } meter && meter.Buyer != buyer
                ? UsageRejection.UnknownContract
                : book.Apply(record, prepared[i], notAfter, closedThroughMicros, windowStart);
            if (reason == UsageRejection.None)
            {
                accepted.Add(record);
                acceptedUnits += record.Units;
                oldestAccepted = Math.Min(oldestAccepted, record.AtMicros);
            }
            else
            {
                rejected.Add(new UsageRejectionAt(part.Indexes[i], UsageRejections.Wire(reason)));
            }
        }
        var answer = new MeterAnswer(accepted.Count, acceptedUnits, rejected, false);
        var durable = writer.CommitAsync(new UsageCommit(Shard, openCycle, new CommittedPart(part.Producer, part.Sequence, part.BatchDigest, answer, accepted)));
        var number = ++partsNumbered;
        committing[number] = (durable, openCycle, firstTick, oldestAccepted);
        try
        {
            await durable;
        }
        catch (Exception error) when (error is CommitFailedException or StaleWriterException)
        {
            // Counted in memory, not in storage: the next activation counts from the durable totals again.
            DeactivateOnIdle();
            metrics.FlushFailed();
            throw new MeterUnavailableException($"meter shard {Shard} could not make usage durable: {error.Message}", options.RetryAfter);
        }
        finally
        {
            committing.Remove(number);
        }
        committedMax[part.Producer] = Math.Max(committedMax[part.Producer], part.Sequence);
        metrics.Applied(answer, part.Records.Length);
        // Forgetting spares windows used since the oldest part in flight began; trimming by time never reaches a call
        // still on its way to storage (storage does not have it yet).
        var (pendingFromTick, oldestPending) = (long.MaxValue, Wire.UsageEnvelope.ToMicros(time.GetUtcNow()));
        foreach (var (_, _, firstOfPart, oldestOfPart) in committing.Values)
        {
            (pendingFromTick, oldestPending) = (Math.Min(pendingFromTick, firstOfPart), Math.Min(oldestPending, oldestOfPart));
        }
        metrics.WindowsForgotten(book.ForgetCalls(options.CallIdsRememberedMax, windowStart, pendingFromTick, oldestPending));
        return answer;
    }

    private void Refuse(Action check)
    {
        try
        {
            check();
        }
        catch (Exception error) when (error is CommitRefusedException or CommitFailedException or StaleWriterException)
        {
            if (error is not CommitRefusedException)
            {
                DeactivateOnIdle();
            }
            throw new MeterUnavailableException($"meter shard {Shard} is not taking usage right now: {error.Message}", options.RetryAfter);
        }
    }

    /// <summary>
    /// Makes every record of the part checkable in memory: the windows of its contracts read, and its calls older than
    /// what their window holds looked up in storage (found ones put in memory). Both wait for storage, during which
    /// another part may forget a window or trim windows by time: then it is done again, so the part is counted only
    /// right after a preparation nothing overtook.
    /// </summary>
    private async Task PrepareCallsAsync(MeterPart part, IReadOnlyCollection<string> contractIds)
    {
        while (true)
        {
            await LoadCallsAsync(contractIds, part.BuyerOnly);
            var trimmed = book.TrimGeneration;
            var windowStart = WindowStart();
            // Calls dated after every window's cover (the usual case: calls of the last moments) need no look at all.
            var latestCover = contractIds.Where(id => CountsOn(id, part.BuyerOnly)).Select(id => book.Find(id)!.Calls?.CoversFromMicros ?? long.MinValue)
                .DefaultIfEmpty(long.MinValue).Max();
            var old = part.Records
                .Where(r => r.AtMicros < latestCover && CountsOn(r.ContractId, part.BuyerOnly) && book.NeedsStorageCheck(r, windowStart))
                .Select(r => (r.ContractId, r.CallId, r.AtMicros))
                .ToList();
            if (old.Count > 0)
            {
                foreach (var (contractId, fingerprint, at) in await store.FindCallsAsync(old, CancellationToken.None))
                {
                    if (book.RemembersCallsOf(contractId))
                    {
                        book.RememberCalls(contractId, [(fingerprint, at)], windowStart);
                    }
                }
                metrics.CallsLookedUp(old.Count);
            }
            if (contractIds.Where(id => CountsOn(id, part.BuyerOnly)).All(book.RemembersCallsOf) && book.TrimGeneration == trimmed)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Reads from storage the deduplication windows of the part's active contracts not in memory — only those the part
    /// may count on (a buyer's own), so naming other contracts makes no one read their windows. A contract whose window
    /// was forgotten while the read ran may have had calls committed after it: its window is read again.
    /// </summary>
    private async Task LoadCallsAsync(IReadOnlyCollection<string> contractIds, string? buyerOnly)
    {
        while (true)
        {
            var missing = contractIds.Where(id => CountsOn(id, buyerOnly) && !book.RemembersCallsOf(id)).ToList();
            if (missing.Count == 0)
            {
                return;
            }
            var windowStart = WindowStart();
            if (windowStart == long.MaxValue)
            {
                missing.ForEach(id => book.RememberCalls(id, [], windowStart));
                return;
            }
            var forgotten = missing.ToDictionary(id => id, book.TimesForgotten, StringComparer.Ordinal);
            // Only the last CallIdReadBack comes into memory; older calls are looked up when they come (PrepareCallsAsync).
            var readFrom = Math.Max(windowStart, checked(Wire.UsageEnvelope.ToMicros(time.GetUtcNow()) - (long)options.CallIdReadBack.TotalMicroseconds));
            var stored = await store.CallsSinceAsync(missing, readFrom, CancellationToken.None);
            var loaded = 0;
            // A union with what another part loaded meanwhile and counted since: storage never holds less than was durable.
            foreach (var (contractId, calls) in stored)
            {
                if (book.TimesForgotten(contractId) == forgotten[contractId])
                {
                    book.RememberCalls(contractId, calls, windowStart, readFrom);
                    loaded++;
                }
            }
            metrics.WindowsLoaded(loaded);
        }
    }

    /// <summary>Whether a part may count on the contract: active, and the buyer's own when the part is a buyer's.</summary>
    private bool CountsOn(string contractId, string? buyerOnly) =>
        book.Find(contractId) is { Active: true } meter && (buyerOnly is null || meter.Buyer == buyerOnly);

    /// <summary>The earliest call time the deduplication window covers now; <see cref="long.MaxValue"/> when it is off.</summary>
    private long WindowStart() => options.CallIdWindow == TimeSpan.Zero
        ? long.MaxValue
        : checked(Wire.UsageEnvelope.ToMicros(time.GetUtcNow()) - (long)options.CallIdWindow.TotalMicroseconds);

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
        foreach (var contract in await contracts.MeteredAsync(missing))
        {
            // Another part may have loaded it meanwhile and counted on it: keep that one.
            if (book.Find(contract.ContractId) is not { Active: true })
            {
                book.Track(new ContractMeter(contract.ContractId, contract.Quota, contract.Used,
                    Wire.UsageEnvelope.ToMicros(contract.ValidFrom), Wire.UsageEnvelope.ToMicros(contract.ValidTo), contract.Active, contract.Buyer));
            }
        }
    }
}
