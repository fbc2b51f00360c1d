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

public sealed record SubmitProduct(
    string Id,
    string Provider,
    string Name,
    string Kind,
    string Unit,
    string Category,
    IReadOnlyList<string> Scenarios,
    string Delivery);

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
    IReadOnlyList<ProductHistoryEntry> History);

/// <summary>One step of a product's review and listing: the status it entered, the note given, when.</summary>
public sealed record ProductHistoryEntry(ProductStatus Status, string? Note, DateTimeOffset At);
