using ClearingCluster.Interfaces.Accounts;
using ClearingCluster.Interfaces.Ledger;

namespace ClearingCluster.Grains.Accounts;

/// <summary>What an account persists. Property names are the stored field ids: rename none.</summary>
public sealed class AccountState
{
    public long AvailableMicros { get; set; }

    public Dictionary<string, long> Holds { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, long> Escrows { get; set; } = new(StringComparer.Ordinal);

    public List<VoucherState> Vouchers { get; set; } = [];

    /// <summary>Evidence committed with the state but perhaps not yet on the ledger: re-sent on activation.</summary>
    public List<EvidenceRecord> PendingEvidence { get; set; } = [];

    public AccountState Clone() => new()
    {
        AvailableMicros = AvailableMicros,
        Holds = new Dictionary<string, long>(Holds, StringComparer.Ordinal),
        Escrows = new Dictionary<string, long>(Escrows, StringComparer.Ordinal),
        Vouchers = [.. Vouchers],
        PendingEvidence = [.. PendingEvidence],
    };
}

public sealed record VoucherState(string Id, string Issuer, long AmountMicros, long RemainingMicros, IReadOnlyList<string> Categories, DateTimeOffset Expires)
{
    public VoucherBalance ToBalance() => new(Id, Issuer, AmountMicros, RemainingMicros, Categories, Expires);
}
