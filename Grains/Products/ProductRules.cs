using ClearingCluster.Grains.Validation;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Products;

namespace ClearingCluster.Grains.Products;

/// <summary>What a product listing must carry, and its review lifecycle.</summary>
public static class ProductRules
{
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
        return submission with { Scenarios = scenarios };
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
