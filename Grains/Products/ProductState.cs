using ClearingCluster.Interfaces.Ledger;
using ClearingCluster.Interfaces.Products;

namespace ClearingCluster.Grains.Products;

/// <summary>What a product persists. Property names are the stored field ids: rename none.</summary>
public sealed class ProductState
{
    public SubmitProduct? Submission { get; set; }

    public ProductStatus Status { get; set; }

    public string? ReviewNote { get; set; }

    public DateTimeOffset SubmittedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public List<EvidenceRecord> PendingEvidence { get; set; } = [];

    /// <summary>Every status the product entered, oldest first.</summary>
    public List<ProductHistoryEntry> History { get; set; } = [];
}
