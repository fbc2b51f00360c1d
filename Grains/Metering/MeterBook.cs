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

    /// <summary>Adds calls read from storage to the contract's window (creating it): a union, so calls counted since the read stay.</summary>
    public void RememberCalls(string contractId, IEnumerable<(long Fingerprint, long AtMicros)> stored, long windowStartMicros)
    {
        if (!windows.TryGetValue(contractId, out var window))
        {
            windows[contractId] = window = new CallWindow();
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
    /// A pass costs a look at every call held, so when one could not get under the limit (windows in use), the next
    /// waits until a tenth more calls are held: over the limit, parts do not each pay for a pass.
    /// </summary>
    public int ForgetCalls(long callsMax, long windowStartMicros, long pendingFromTick)
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
        nextForgetPassAt = CallsRemembered <= callsMax ? 0 : CallsRemembered + CallsRemembered / 10;
        return forgotten;
    }

    /// <summary>Checks one record and, if it counts, adds its units to its contract's use.</summary>
    public UsageRejection Apply(in UsageRecord record, long notAfterMicros = long.MaxValue, long closedThroughMicros = long.MinValue,
        long windowStartMicros = long.MinValue)
    {
        if (!contracts.TryGetValue(record.ContractId, out var meter))
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
        var fingerprint = CallFingerprint.Of(record.CallId);
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
