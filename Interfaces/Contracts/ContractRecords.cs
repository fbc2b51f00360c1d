using ClearingCluster.Interfaces.Ledger;

namespace ClearingCluster.Interfaces.Contracts;

public static class ContractStatus
{
    /// <summary>Made and durable with its fill, escrow captured: usage counts against it.</summary>
    public const string Active = "active";

    /// <summary>Past <c>validTo</c>: no usage is accepted any more.</summary>
    public const string Expired = "expired";
}

/// <summary>
/// What one fill made: a digital trading contract's canonical terms, fixed when it is made. Its escrow is
/// <see cref="EscrowMicros"/> = price × quota, moved from the buyer's hold when the fill committed.
/// </summary>
public sealed record ContractTerms(
    string Id,
    long Number,
    string Buyer,
    string Provider,
    string Product,
    long PriceMicros,
    long Quota,
    string Scenario,
    string Delivery,
    DateTimeOffset ValidFrom,
    DateTimeOffset ValidTo,
    long ExchangeFeeBasisPoints,
    string BuyOrderId,
    string SellOrderId)
{
    public long EscrowMicros => checked(PriceMicros * Quota);

    public static string IdOf(string product, long number) => $"K-{product}-{number}";

    /// <summary>The product and number a contract id names, or null when it is not one.</summary>
    public static (string Product, long Number)? Parse(string contractId)
    {
        var dash = contractId.LastIndexOf('-');
        return contractId.StartsWith("K-", StringComparison.Ordinal) && dash > 2
            && long.TryParse(contractId.AsSpan(dash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)
            && number > 0
            ? (contractId[2..dash], number)
            : null;
    }
}

/// <summary>
/// A contract as every route shows it: its terms, units used so far (the open cycle included), its status, its
/// <see cref="EvidenceCode"/> (the hash of its canonical terms, a leaf under the Merkle root of its batch's ledger
/// entry) and whether that entry is on the ledger yet (<see cref="Evidenced"/>: it follows the commit by a moment,
/// or by a restart of its book after a crash).
/// </summary>
public sealed record ContractView(ContractTerms Terms, long Used, string Status, string EvidenceCode, bool Evidenced);

/// <summary>
/// The proof that a contract is on the evidence ledger: the entry holding its batch's Merkle root, the contract's
/// leaf index among the batch's leaves, and the audit path (sibling hashes, leaf to root) as in RFC 9162.
/// </summary>
public sealed record ContractEvidence(ContractView Contract, LedgerEntry Entry, long LeafIndex, long LeafCount, IReadOnlyList<string> AuditPath, string Root);
