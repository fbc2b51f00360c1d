using ClearingCluster.Grains.Validation;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Products;

namespace ClearingCluster.Grains.Products;

/// <summary>What a product listing must carry, and its review lifecycle.</summary>
public static class ProductRules
{
    public const int RevenueSharesCountMax = 3;

    /// <summary>The most one share, and all shares together, may carve: half the gross stays the provider's before the exchange's fee.</summary>
    public const int RevenueShareBasisPointsMax = 5_000;

    public static SubmitProduct Validate(SubmitProduct submission)
    {
        Inputs.Id(submission.Id, "id");
        Inputs.Id(submission.Provider, "provider");
        Inputs.Text(submission.Name, "name", Inputs.NameLengthMax);
        Inputs.OneOf(submission.Kind, "kind", ProductKinds.All);
        Inputs.OneOf(submission.Unit, "unit", ProductUnits.All);
        Inputs.Id(submission.Category, "category");
        var scenarios = Inputs.DistinctIds(submission.Scenarios, "scenarios");
        Inputs.OneOf(submission.Delivery, "delivery", DeliveryModes.All);
        var shares = RevenueShares(submission.RevenueShares, submission.Provider);
        return submission with { Scenarios = scenarios, RevenueShares = shares };
    }

    /// <summary>
    /// The schedule's bounds, which need no other grain: who the intermediaries are is the product grain's check. Comes
    /// back in role order, so a repeat listing the same shares in another order is the same submission.
    /// </summary>
    public static IReadOnlyList<ProductRevenueShare> RevenueShares(IReadOnlyList<ProductRevenueShare>? shares, string provider)
    {
        if (shares is null)
        {
            return [];
        }
        if (shares.Count > RevenueSharesCountMax)
        {
            throw DomainException.Invalid("invalid_revenue_shares", $"revenueShares must list at most {RevenueSharesCountMax} shares, one per role");
        }
        foreach (var share in shares)
        {
            if (share is null)
            {
                throw DomainException.Invalid("invalid_revenue_shares", "revenueShares must hold share objects {intermediary, role, basisPoints}");
            }
            Inputs.Id(share.Intermediary, "intermediary");
            Inputs.OneOf(share.Role, "role", RevenueShareRoles.All);
            if (share.BasisPoints is < 1 or > RevenueShareBasisPointsMax)
            {
                throw DomainException.Invalid("invalid_basis_points", $"basisPoints must be 1–{RevenueShareBasisPointsMax}");
            }
            if (share.Intermediary == provider)
            {
                throw DomainException.Invalid("invalid_intermediary", $"the provider {provider} cannot take a share of its own product");
            }
        }
        if (shares.Select(s => s.Role).Distinct(StringComparer.Ordinal).Count() != shares.Count)
        {
            throw DomainException.Invalid("invalid_revenue_shares", "revenueShares must name each role at most once");
        }
        if (shares.Sum(s => s.BasisPoints) > RevenueShareBasisPointsMax)
        {
            throw DomainException.Invalid("invalid_revenue_shares",
                $"revenueShares carve {shares.Sum(s => s.BasisPoints)} basis points in total; at most {RevenueShareBasisPointsMax}");
        }
        return [.. shares.OrderBy(s => s.Role, StringComparer.Ordinal)];
    }

    public static ProductStatus Review(ProductStatus current, bool approve) => current == ProductStatus.PendingReview
        ? approve ? ProductStatus.Listed : ProductStatus.Rejected
        : throw DomainException.Conflict("invalid_transition", $"a product that is {Wire(current)} cannot be reviewed");

    public static ProductStatus Suspend(ProductStatus current) => current == ProductStatus.Listed
        ? ProductStatus.Suspended
        : throw DomainException.Conflict("invalid_transition", $"a product that is {Wire(current)} cannot be suspended");

    public static ProductStatus Reinstate(ProductStatus current) => current == ProductStatus.Suspended
        ? ProductStatus.Listed
        : throw DomainException.Conflict("invalid_transition", $"a product that is {Wire(current)} cannot be reinstated");

    public static ProductStatus Delist(ProductStatus current) => current is ProductStatus.Listed or ProductStatus.Suspended
        ? ProductStatus.Delisted
        : throw DomainException.Conflict("invalid_transition", $"a product that is {Wire(current)} cannot be delisted");

    /// <summary>The wire name: <c>pending_review</c>, <c>listed</c>, …</summary>
    public static string Wire(ProductStatus status) => status switch
    {
        ProductStatus.PendingReview => "pending_review",
        _ => status.ToString().ToLowerInvariant(),
    };
}
