using ClearingCluster.Interfaces.Products;
using ClearingCluster.Runtime;

namespace ClearingCluster.Interfaces.Trading;

/// <summary>
/// The order book of one product, keyed by product id. Orders are matched in memory as they arrive (time priority
/// is arrival at the book) and many orders' changes share one commit; each call is answered once its changes are
/// durable. Calls interleave at those waits, so the book keeps matching while a commit is in flight.
/// </summary>
public interface IOrderBookGrain : IGrainWithStringKey
{
    /// <summary>Places admitted orders in the given order; one outcome per ticket, in the same order.</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<OrderPlacement>> Place(IReadOnlyList<OrderTicket> tickets);

    /// <summary>
    /// Cancels an open order for <paramref name="actor"/>: its owner, a gateway the owner authorised, or exchange staff
    /// (<paramref name="byStaff"/>, recorded as <c>cancelled_by_staff</c>); a buy's hold is released.
    /// </summary>
    [AlwaysInterleave]
    Task<OrderView> Cancel(string orderId, string actor, bool byStaff = false);

    /// <summary>
    /// The exchange pulls open orders: every one in the book, or one participant's, in one commit, each recorded with
    /// <paramref name="reason"/> (<c>product_delisted</c>, <c>participant_suspended</c>); buys' holds are released. The count pulled.
    /// </summary>
    [AlwaysInterleave]
    Task<int> PullOrders(string? participant, string reason);

    /// <summary>Lowers an open order's remaining quantity, keeping its priority; a repeat of an applied reduce returns the order as it stands.</summary>
    [AlwaysInterleave]
    Task<OrderView> Reduce(string orderId, string actor, long newRemaining, bool byStaff = false);

    /// <summary>The order as it stands, with its fills; null when the book never placed it. Never shows what is not durable.</summary>
    [AlwaysInterleave]
    Task<OrderView?> GetOrder(string orderId);

    [ReadOnly]
    Task<BookView> Book(int depth);

    /// <summary>The product's facts changed (status, scenarios): the book holds them in memory and matches by them.</summary>
    [AlwaysInterleave]
    Task ProductChanged(ProductView product);

    /// <summary>
    /// Returns once the book's contracts up to <paramref name="contractNumber"/> are on the evidence ledger (waiting for the
    /// entry in flight, or putting them there if a crash left them without); the highest number evidenced.
    /// </summary>
    [AlwaysInterleave]
    Task<long> Evidenced(long contractNumber);

    /// <summary>Per participant, what the book holds for its open buys and what its contracts took into escrow: for reconciliation.</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<BookPosition>> Positions();
}

/// <summary>A participant's money in one book: held for open buys, and escrow captured by its contracts so far.</summary>
public sealed record BookPosition(string Participant, long HeldMicros, long EscrowCapturedMicros, int OpenBuys);
