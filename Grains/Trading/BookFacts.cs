using ClearingCluster.Interfaces.Products;

namespace ClearingCluster.Grains.Trading;

/// <summary>What a book needs to know of its product to match: held in memory, replaced when the product changes.</summary>
public sealed record BookFacts(
    string Product, string Provider, ProductStatus Status, IReadOnlySet<string> Scenarios, string Delivery, string Category, long FeeBasisPoints = TradingBook.ExchangeFeeBasisPoints)
{
    /// <summary>The product's facts, with the exchange's fee its category carries today (a term of every contract made from here on).</summary>
    public static BookFacts From(ProductView product, Clearing.FeeSchedule fees) => new(product.Id, product.Provider, product.Status,
        new HashSet<string>(product.Scenarios, StringComparer.Ordinal), product.Delivery, product.Category, fees.For(product.Category));
}
