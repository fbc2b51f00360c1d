using ClearingCluster.Interfaces.Accounts;
using ClearingCluster.Interfaces.Ledger;

namespace ClearingCluster.Grains.Accounts;

/// <summary>
/// What an account persists besides its three totals (which are columns, moved by deltas): its vouchers and its
/// evidence outbox. Bounded: vouchers are few, and the outbox empties once its records are on the ledger. Property
/// names are the stored field ids: rename none.
/// </summary>
public sealed class AccountState
{
    public List<VoucherState> Vouchers { get; set; } = [];

    /// <summary>Evidence committed with the state but perhaps not yet on the ledger: re-sent on activation.</summary>
    public List<EvidenceRecord> PendingEvidence { get; set; } = [];

    public AccountState Clone() => new() { Vouchers = [.. Vouchers], PendingEvidence = [.. PendingEvidence] };
}

/// <summary>An account's three totals as stored, with the row version the last flush that touched them gave it.</summary>
public sealed record AccountTotals(long AvailableMicros, long HeldMicros, long EscrowMicros, long Version, long BackingMicros = 0);

public sealed record VoucherState(string Id, string Issuer, long AmountMicros, long RemainingMicros, IReadOnlyList<string> Categories, DateTimeOffset Expires)
{
    public VoucherBalance ToBalance() => new(Id, Issuer, AmountMicros, RemainingMicros, Categories, Expires);
}
