using ClearingCluster.Runtime;

namespace ClearingCluster.Interfaces.Trading;

/// <summary>The order book of one product, keyed by product id.</summary>
public interface IOrderBookGrain : IGrainWithStringKey
{
    /// <summary>Places an order; a repeat of a client order id returns the first result.</summary>
    Task<OrderView> Place(PlaceOrder order);

    /// <summary>Cancels a resting order of <paramref name="participant"/>; its reserve is released.</summary>
    Task<OrderView> Cancel(string orderId, string participant);

    /// <summary>Lowers a resting order's remaining quantity, keeping its priority.</summary>
    Task<OrderView> Reduce(string orderId, string participant, long newRemaining);

    [ReadOnly]
    Task<BookView> Book(int depth);
}
