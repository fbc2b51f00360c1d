using System.Diagnostics;
using ClearingCluster.Interfaces.Metering;
namespace ClearingCluster.Grains.Metering;

/// <summary>
/// A shard's rules for counting usage, with no I/O. A record counts only if its contract is known and active,
/// the call is not dated after <c>notAfterMicros</c> (the clock plus the skew allowed), falls inside the contract's
/// validity window, the contract did not end by the last cut-off (<c>closedThroughMicros</c>: its escrow is settled),
/// its call id was not counted for the contract within the deduplication window (calls dated from
/// <c>windowStartMicros</c> on), and the quota has room for all of its units; otherwise it
/// is rejected with the first rule it breaks and nothing is counted for it. Never counts past a quota, never counts
/// a call id twice within the window.
/// </summary>
public sealed class MeterBook
{
    private readonly Dictionary<string, ContractMeter> contracts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CallWindow> windows = new(StringComparer.Ordinal);
    private long ticks;
    private long nextForgetPassAt;

    public int ContractCount => contracts.Count;

    /// <summary>Call ids held in memory over every contract's window.</summary>
    public long CallsRemembered { get; private set; }

    /// <summary>
    /// How many times the contract's window was forgotten: a read of it begun before the count changed may miss calls
    /// committed meanwhile, and is done again.
    /// </summary>
    public long TimesForgotten(string contractId) => contracts.GetValueOrDefault(contractId)?.CallsForgotten ?? 0;

    /// <summary>The book's clock: every use of a window takes the next tick. A part that starts now uses ticks after it.</summary>
    public long Ticks => ticks;

    /// <summary>Whether the contract's window is in memory; a record of a contract without one cannot be checked.</summary>
    public bool RemembersCallsOf(string contractId) => windows.ContainsKey(contractId);

    public void Track(ContractMeter meter)
    {
        meter.Calls = windows.GetValueOrDefault(meter.ContractId);
        meter.CallsForgotten = contracts.GetValueOrDefault(meter.ContractId)?.CallsForgotten ?? 0;
        contracts[meter.ContractId] = meter;
    }

    public ContractMeter? Find(string contractId) => contracts.GetValueOrDefault(contractId);

    /// <summary>Changes each time windows are trimmed by time: a storage check begun before may have missed a trimmed call, and is done again.</summary>
    public long TrimGeneration { get; private set; }

    /// <summary>
    /// Adds calls read from storage to the contract's window: a union, so calls counted since the read stay. A window
    /// made here from a read back to <paramref name="readFromMicros"/> covers from there on.
    /// </summary>
    public void RememberCalls(string contractId, IEnumerable<(long Fingerprint, long AtMicros)> stored, long windowStartMicros,
        long readFromMicros = long.MinValue)
    {
        if (!windows.TryGetValue(contractId, out var window))
        {
            windows[contractId] = window = new CallWindow();
            window.CoverFrom(readFromMicros);
            if (contracts.TryGetValue(contractId, out var meter))
            {
                meter.Calls = window;
            }
        }
        foreach (var (fingerprint, at) in stored)
        {
            CallsRemembered += window.Remember(fingerprint, at, windowStartMicros);
        }
        window.LastUsed = ++ticks;
    }

    /// <summary>
    /// Keeps memory under <paramref name="callsMax"/>: drops expired calls, then forgets the least recently used windows
    /// until a tenth below the limit — only windows last used before <paramref name="pendingFromTick"/>, the first tick of
    /// the oldest part not yet durable, since a later one may hold calls storage does not have yet. Returns how many.
    /// If that is not enough (windows in use all the time) and <paramref name="trimNotAfterMicros"/> is given, windows are
    /// then trimmed by time (<see cref="TrimCalls"/>). A pass costs a look at every call held, so when one could not get
    /// under the limit, the next waits until a tenth more calls are held: over the limit, parts do not each pay for a pass.
    /// </summary>
    public int ForgetCalls(long callsMax, long windowStartMicros, long pendingFromTick, long trimNotAfterMicros = long.MinValue)
    {
        if (CallsRemembered <= callsMax || CallsRemembered < nextForgetPassAt)
        {
            return 0;
        }
        foreach (var window in windows.Values)
        {
            CallsRemembered -= window.Expire(windowStartMicros);
        }
        var forgotten = 0;
        var target = callsMax - callsMax / 10;
        foreach (var (contractId, window) in windows.Where(w => w.Value.LastUsed < pendingFromTick).OrderBy(w => w.Value.LastUsed).ToList())
        {
            if (CallsRemembered <= target)
            {
                break;
            }
            windows.Remove(contractId);
            if (contracts.TryGetValue(contractId, out var meter))
            {
                meter.Calls = null;
                meter.CallsForgotten++;
            }
            CallsRemembered -= window.Count;
            forgotten++;
        }
        if (CallsRemembered > target && trimNotAfterMicros != long.MinValue)
        {
            TrimCalls(callsMax, windowStartMicros, trimNotAfterMicros);
        }
        nextForgetPassAt = CallsRemembered <= callsMax ? 0 : CallsRemembered + CallsRemembered / 10;
        return forgotten;
    }

    /// <summary>
    /// Whether the record, before it is counted, must be looked up in storage: it is inside the deduplication window
    /// but older than what its contract's window holds in memory (a window read back only so far, or trimmed).
    /// </summary>
    public bool NeedsStorageCheck(in UsageRecord record, long windowStartMicros) =>
        record.AtMicros >= windowStartMicros && contracts.GetValueOrDefault(record.ContractId) is { Active: true, Calls: { } calls } && !calls.Covers(record.AtMicros);

    /// <summary>
    /// When forgetting idle windows left memory over <paramref name="callsMax"/> (windows in use all the time), trims
    /// every window by time: calls dated before one cut go, the earliest cut that brings memory a tenth below the limit
    /// (<see cref="TrimCut"/>), never past <paramref name="trimNotAfterMicros"/> (the oldest call still on its way to
    /// storage, which storage does not have yet). Calls older than a window's cut are looked up in storage when they
    /// come again. Returns how many calls went.
    /// </summary>
    public long TrimCalls(long callsMax, long windowStartMicros, long trimNotAfterMicros)
    {
        var excess = CallsRemembered - (callsMax - callsMax / 10);
        if (excess <= 0 || trimNotAfterMicros <= windowStartMicros)
        {
            return 0;
        }
        var cut = TrimCut(excess, windowStartMicros, trimNotAfterMicros);
        long dropped = 0;
        foreach (var window in windows.Values)
        {
            var went = window.Trim(cut);
            CallsRemembered -= went;
            dropped += went;
        }
        TrimGeneration++;
        return dropped;
    }

    /// <summary>
    /// The earliest time before which at least <paramref name="excess"/> calls are held, from a count of every window's
    /// calls by time in at most 4,096 spans (a sequential pass), so that one rebuild of the tables suffices; a rebuild
    /// per step of a search cost the shard a seventh of its time at a million records a second. Never after
    /// <paramref name="trimNotAfterMicros"/>.
    /// </summary>
    private long TrimCut(long excess, long windowStartMicros, long trimNotAfterMicros)
    {
        const int Spans = 4_096;
        // From the oldest call held, not the window's start: the spans then cut finely what memory really holds (a year's
        // window holding an hour's calls would otherwise put them all in one span).
        var oldestHeld = uint.MaxValue;
        foreach (var window in windows.Values)
        {
            oldestHeld = Math.Min(oldestHeld, window.OldestSecond);
        }
        var from = Math.Max(CallWindow.Second(windowStartMicros), oldestHeld);
        var to = CallWindow.Second(trimNotAfterMicros);
        if (to <= from)
        {
            return trimNotAfterMicros;
        }
        var spanSeconds = (uint)Math.Max(1, ((long)to - from + Spans - 1) / Spans);
        Span<long> counts = new long[Spans];
        foreach (var window in windows.Values)
        {
            window.CountBySpan(counts, from, to, spanSeconds);
        }
        long older = 0;
        for (var span = 0; span < Spans; span++)
        {
            older += counts[span];
            if (older >= excess)
            {
                return Math.Min(trimNotAfterMicros, (from + (span + 1L) * spanSeconds) * 1_000_000);
            }
        }
        return trimNotAfterMicros;
    }

    /// <summary>
    /// Each record's contract and call fingerprint, for <see cref="Apply(in UsageRecord, in PreparedCall, long, long, long)"/>
    /// within the same turn; the window slot each will be looked up in is asked for ahead (<see cref="CallWindow.Prefetch"/>),
    /// so checking a part waits for memory about once rather than once a record (windows of millions of calls miss the
    /// cache on every lookup).
    /// </summary>
    public PreparedCall[] Prepare(ReadOnlySpan<UsageRecord> records)
    {
        var prepared = new PreparedCall[records.Length];
        for (var i = 0; i < records.Length; i++)
        {
            var meter = contracts.GetValueOrDefault(records[i].ContractId);
            var fingerprint = CallFingerprint.Of(records[i].CallId);
            meter?.Calls?.Prefetch(fingerprint);
            prepared[i] = new PreparedCall(meter, fingerprint);
        }
        return prepared;
    }

    /// <summary>Checks one record and, if it counts, adds its units to its contract's use.</summary>
    public UsageRejection Apply(in UsageRecord record, long notAfterMicros = long.MaxValue, long closedThroughMicros = long.MinValue,
        long windowStartMicros = long.MinValue) =>
        Apply(record, new PreparedCall(contracts.GetValueOrDefault(record.ContractId), CallFingerprint.Of(record.CallId)), notAfterMicros,
            closedThroughMicros, windowStartMicros);

    /// <summary><see cref="Apply(in UsageRecord, long, long, long)"/> with the record's contract and fingerprint found already (<see cref="Prepare"/>).</summary>
    public UsageRejection Apply(in UsageRecord record, in PreparedCall call, long notAfterMicros, long closedThroughMicros, long windowStartMicros)
    {
        Debug.Assert(call.Fingerprint == CallFingerprint.Of(record.CallId), "the fingerprint is the record's");
        Debug.Assert(ReferenceEquals(call.Meter, contracts.GetValueOrDefault(record.ContractId)), "prepared in this turn: the meter is the book's");
        if (call.Meter is not { } meter)
        {
            return UsageRejection.UnknownContract;
        }
        if (!meter.Active)
        {
            return UsageRejection.ContractNotActive;
        }
        if (record.AtMicros > notAfterMicros)
        {
            return UsageRejection.FutureCall;
        }
        if (record.AtMicros < meter.ValidFromMicros || record.AtMicros >= meter.ValidToMicros)
        {
            return UsageRejection.OutsideValidity;
        }
        if (meter.ValidToMicros <= closedThroughMicros)
        {
            return UsageRejection.ContractClosed;
        }
        var calls = meter.Calls
            ?? throw new InvalidOperationException($"contract {record.ContractId}: its call window is not loaded, so a repeated call could not be told");
        var fingerprint = call.Fingerprint;
        if (calls.Holds(fingerprint, windowStartMicros, out var slot))
        {
            return UsageRejection.DuplicateCall;
        }
        if (record.Units > meter.Left)
        {
            return UsageRejection.QuotaExceeded;
        }
        meter.Used += record.Units;
        CallsRemembered += calls.RememberAt(slot, fingerprint, record.AtMicros, windowStartMicros);
        calls.LastUsed = ++ticks;
        return UsageRejection.None;
    }

    /// <summary>Takes back a call counted for a batch that did not become durable: its units, and its call id.</summary>
    public void Revert(in UsageRecord record)
    {
        var meter = contracts[record.ContractId];
        meter.Used -= record.Units;
        if (meter.Used < 0)
        {
            throw new InvalidOperationException($"contract {record.ContractId}: reverting more than was counted");
        }
        CallsRemembered -= meter.Calls!.Forget(CallFingerprint.Of(record.CallId));
    }
}
