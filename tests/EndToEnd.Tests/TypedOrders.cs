using ClearingCluster.Wire;

namespace ClearingCluster.EndToEnd.Tests;

/// <summary>Limit orders as the typed client sends them: a buy for the credit-risk scenario, a provider's sell.</summary>
public static class TypedOrders
{
    public static OrderRequest Buy(string member, string product, string clientOrderId, long price = 100, long quantity = 10) =>
        new(clientOrderId, member, product, "buy", Price: price, Quantity: quantity, Scenario: "credit-risk");

    public static OrderRequest Sell(string provider, string product, string clientOrderId, long price = 100, long quantity = 10) =>
        new(clientOrderId, provider, product, "sell", Price: price, Quantity: quantity);
}
