using ClearingCluster.Grains.Participants;
using ClearingCluster.Grains.Products;
using ClearingCluster.Grains.Trading;
using ClearingCluster.Interfaces.Accounts;
using ClearingCluster.Interfaces.Contracts;
using ClearingCluster.Interfaces.Ledger;
using ClearingCluster.Interfaces.Participants;
using ClearingCluster.Interfaces.Products;
using ClearingCluster.Interfaces.Trading;
using ClearingCluster.Wire;

namespace ClearingCluster.Gateway.Apis;

/// <summary>Grains' views to the wire records (docs/API.md's names: amounts in µ¥ without a suffix).</summary>
public static class WireMapping
{
    public static AccountResponse ToWire(this AccountBalance b) => new(
        b.Id, b.AvailableMicros, b.ReservedMicros, b.HeldMicros, b.EscrowMicros, [.. b.Vouchers.Select(ToWire)], b.BackingMicros);

    public static VoucherResponse ToWire(this VoucherBalance v) => new(v.Id, v.Issuer, v.AmountMicros, v.RemainingMicros, v.Categories, v.Expires);

    public static LedgerEntryResponse ToWire(this LedgerEntry e) => new(e.Seq, e.EventId, e.Kind, e.Subject, e.Payload, e.PrevHash, e.Hash, e.At);

    public static ParticipantResponse ToWire(this ParticipantProfile p) => new(
        p.Id, p.Name, p.Roles, p.Tier, ParticipantRules.Wire(p.Status),
        new TierLimitsResponse(p.Limits.MaxOpenBuyValueMicros, p.Limits.MaxOrderQuantity), p.RegisteredAt, p.UpdatedAt, p.Gateways);

    public static ProductResponse ToWire(this ProductView p) => new(
        p.Id, p.Provider, p.Name, p.Kind, p.Unit, p.Category, p.Scenarios, p.Delivery, ProductRules.Wire(p.Status), p.ReviewNote,
        p.SubmittedAt, p.UpdatedAt, [.. p.History.Select(h => new ProductHistoryResponse(ProductRules.Wire(h.Status), h.Note, h.At))],
        [.. p.RevenueShares.Select(r => new RevenueShareResponse(r.Intermediary, r.Role, r.BasisPoints))]);

    public static OrderResponse ToWire(this OrderView o) => new(
        o.OrderId, o.ClientOrderId, o.Participant, o.Product, o.Side, o.Type, o.TimeInForce, o.PriceMicros, o.Quantity, o.MaxCostMicros,
        o.Scenario, o.ValidityDays, o.Status, o.Filled, o.Remaining, o.Cancelled, o.Reason, o.EnteredBy, [.. o.Fills.Select(f => f.ContractId)],
        [.. o.Fills.Select(f => new FillResponse(f.ContractId, f.PriceMicros, f.Quantity, f.Counterparty))], o.CreatedAt, o.UpdatedAt);

    public static BookResponse ToWire(this BookView b) => new(
        b.Product, [.. b.Bids.Select(l => new BookLevelResponse(l.PriceMicros, l.Quantity))],
        [.. b.Asks.Select(l => new BookLevelResponse(l.PriceMicros, l.Quantity))], b.LastTradePriceMicros);

    public static ContractResponse ToWire(this ContractView v)
    {
        var c = v.Terms;
        return new(c.Id, c.Buyer, c.Provider, c.Product, c.PriceMicros, c.Quota, v.Used, c.EscrowMicros, c.Scenario, c.Delivery, c.ValidFrom, c.ValidTo,
            v.Status, v.EvidenceCode, v.Evidenced, c.ExchangeFeeBasisPoints, c.BuyOrderId, c.SellOrderId);
    }

    public static ReconciliationResponse ToWire(this Reconciliation r) => new(
        r.Ok, r.Books, r.Participants, r.HeldMicros, r.EscrowMicros,
        [.. r.Mismatches.Select(m => new ReconciliationMismatchResponse(m.Participant, m.HeldMicros, m.HeldByBooksMicros, m.EscrowMicros, m.EscrowByBooksMicros))],
        r.At);
}

/// <summary>Clearing's records as the wire shows them.</summary>
public static class ClearingWireMapping
{
    public static CycleResponse ToWire(this Interfaces.Clearing.CycleView c) => new(c.Id, c.Number, Interfaces.Clearing.CycleStatuses.Wire(c.Status), c.OpenedAt,
        c.CutAt, c.Report is { } r
            ? new CycleReportResponse(r.Contracts, r.UsedUnits, r.GrossMicros, r.VoucherMicros, r.BuyerMicros, r.FeeMicros, r.SharesMicros, r.ProviderMicros,
                r.EscrowReleasedMicros, r.VoucherExpiredMicros, r.AdjustmentMicros, r.Postings,
                [.. r.Nets.Select(n => new CycleNetResponse(n.Participant, n.PaysMicros, n.ReceivesMicros, n.NetMicros))], r.NettingRatioBasisPoints, r.UsageHash,
                r.PostingsHash)
            : null,
        c.Failure, [.. c.Steps.Select(s => new CycleStepResponse(s.Name, s.At, s.DurationMs, s.Detail))], c.LedgerSeq,
        c.UsageArchive is { } a ? new UsageArchiveResponse(a.File, a.Rows, a.Records, a.Units, a.Bytes, a.Sha256, a.ArchivedAt) : null);

    public static AdjustmentResponse ToWire(this Interfaces.Clearing.AdjustmentView a) =>
        new(a.Id, a.AgainstCycle, a.PostedIn, a.From, a.To, a.AmountMicros, a.Reason, a.Contract, a.RecordedBy, a.At);

    public static StatementResponse ToWire(this Grains.Clearing.Statement s) => new(s.AccountId, s.CycleId, Balances(s.Opening), Balances(s.Closing),
        [.. s.Postings.Select(p => new StatementPostingResponse(p.TransferId, p.Kind, p.DebitAccount, p.CreditAccount, p.AmountMicros))],
        [.. s.Lines.Select(l => new StatementLineResponse(l.ContractId, l.Product, l.Buyer, l.Provider, l.Units, l.PriceMicros, l.GrossMicros, l.VoucherMicros,
            l.BuyerMicros, l.FeeMicros, [.. l.Shares.Select(x => new StatementShareResponse(x.Intermediary, x.Micros))], l.ProviderMicros, l.EscrowReleasedMicros))],
        s.NextAfter, [.. s.Adjustments.Select(a => a.ToWire())]);

    private static StatementBalancesResponse? Balances(Grains.Clearing.StatementBalances? b) =>
        b is null ? null : new(b.AvailableMicros, b.HeldMicros, b.EscrowMicros, b.BackingMicros);
}
