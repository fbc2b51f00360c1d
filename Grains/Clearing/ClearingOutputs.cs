using ClearingCluster.Grains.Accounts;

namespace ClearingCluster.Grains.Clearing;

/// <summary>
/// One contract's settlement in a cycle, in µ¥: <c>gross = used × price</c>, paid by vouchers first and then by the
/// buyer's escrow; the provider receives gross less the exchange's fee and the intermediaries' shares; a contract
/// past its end gives back what is left of its escrow.
/// </summary>
public sealed record ContractSettlement(
    string ContractId, long UsedUnits, long GrossMicros, long VoucherMicros, long BuyerMicros, long FeeMicros,
    IReadOnlyList<(string Intermediary, long Micros)> Shares, long ProviderMicros, long EscrowReleasedMicros, string Buyer = "", string Provider = "")
{
    public long SharesMicros => Shares.Sum(s => s.Micros);
}

/// <summary>A participant's position in the cycle: what it pays, what it receives, and the net (received − paid).</summary>
public sealed record ParticipantNet(string Participant, long PaysMicros, long ReceivesMicros)
{
    public long NetMicros => checked(ReceivesMicros - PaysMicros);
}

/// <summary>
/// A cycle's computation: per contract, the voucher money used, every posting (balanced, double entry; listed only when
/// asked for), the nets per participant and the netting ratio in basis points: what is left of the gross movements
/// between participants once each participant's are netted, <c>⌊10,000 × Σ|net| ÷ Σ(pays + receives)⌋</c> (0 when
/// nothing moves), and the plan settlement writes.
/// </summary>
public sealed record CycleComputation(
    string CycleId,
    IReadOnlyList<ContractSettlement> Contracts,
    IReadOnlyDictionary<string, long> VoucherUse,
    IReadOnlyDictionary<string, long> VoucherExpired,
    IReadOnlyList<Posting> Postings,
    IReadOnlyList<ParticipantNet> Nets,
    long NettingRatioBasisPoints,
    SettlementPlan Plan);
