using ClearingCluster.Interfaces.Accounts;
using ClearingCluster.Interfaces.Trading;
using ClearingCluster.Runtime;

namespace ClearingCluster.Integration.Tests;

/// <summary>Orders as members enter them: through their own account, the trading gate.</summary>
internal static class Trading
{
    /// <summary>Places one order as its participant; a refusal throws its <see cref="Interfaces.DomainException"/>.</summary>
    public static async Task<OrderView> PlaceAsync(this IGrainFactory grains, PlaceOrder order) =>
        (await grains.GetGrain<IAccountGrain>(order.Participant).PlaceOrders([order], order.Participant))[0].Placed;

    public static Task<IReadOnlyList<OrderPlacement>> PlaceAllAsync(this IGrainFactory grains, string participant, IReadOnlyList<PlaceOrder> orders) =>
        grains.GetGrain<IAccountGrain>(participant).PlaceOrders(orders, participant);
}
