namespace ClearingCluster.Interfaces.Products;

public enum ProductStatus
{
    PendingReview,
    Listed,
    Rejected,
    Suspended,
    Delisted,
}

public static class ProductKinds
{
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { "api", "dataset", "algorithm", "compute" };
}

public static class ProductUnits
{
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { "call", "record" };
}

public static class DeliveryModes
{
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { "api", "file", "sandbox" };
}

/// <summary>The roles an intermediary's revenue share is paid for.</summary>
public static class RevenueShareRoles
{
    public const string Valuation = "valuation";
    public const string ComplianceAudit = "compliance_audit";
    public const string Custody = "custody";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Valuation, ComplianceAudit, Custody };
}

/// <summary>
/// An intermediary's share of each contract's gross for one role, in basis points, which clearing carves from the
/// provider's side (docs/CLEARING.md).
/// </summary>
public sealed record ProductRevenueShare(string Intermediary, string Role, int BasisPoints);

/// <summary>A product submission; <see cref="RevenueShares"/> null (as stored before schedules existed) means none.</summary>
public sealed record SubmitProduct(
    string Id,
    string Provider,
    string Name,
    string Kind,
    string Unit,
    string Category,
    IReadOnlyList<string> Scenarios,
    string Delivery,
    IReadOnlyList<ProductRevenueShare>? RevenueShares = null);

public sealed record ProductView(
    string Id,
    string Provider,
    string Name,
    string Kind,
    string Unit,
    string Category,
    IReadOnlyList<string> Scenarios,
    string Delivery,
    ProductStatus Status,
    string? ReviewNote,
    DateTimeOffset SubmittedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<ProductHistoryEntry> History)
{
    /// <summary>The revenue-share schedule, empty when none. Outside the positional list, so constructions written before it still compile.</summary>
    public IReadOnlyList<ProductRevenueShare> RevenueShares { get; init; } = [];
}

/// <summary>One step of a product's review and listing: the status it entered, the note given, when.</summary>
public sealed record ProductHistoryEntry(ProductStatus Status, string? Note, DateTimeOffset At);
