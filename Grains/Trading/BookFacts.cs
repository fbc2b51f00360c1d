using ClearingCluster.Interfaces.Products;

namespace ClearingCluster.Grains.Trading;

/// <summary>What a book needs to know of its product to match: held in memory, replaced when the product changes.</summary>
public sealed record BookFacts(string Product, string Provider, ProductStatus Status, IReadOnlySet<string> Scenarios, string Delivery, string Category)
{
    public static BookFacts From(ProductView product) => new(product.Id, product.Provider, product.Status,
        new HashSet<string>(product.Scenarios, StringComparer.Ordinal), product.Delivery, product.Category);
}
