using ClearingCluster.Runtime.Durability;

namespace ClearingCluster.Interfaces.Trading;

/// <summary>
/// An order its participant's account admitted: shape, participant and tier checked; a buy's full cost
/// (<see cref="ReservedMicros"/>) taken from available in the account's memory. The book commits that reserve together
/// with the order, fenced by the account's epoch and its partition's (<see cref="AccountFences"/>), so neither is ever
/// durable alone, nor durable once another activation or another silo owns the account.
/// </summary>
public sealed record OrderTicket(PlaceOrder Order, string EnteredBy, long ReservedMicros, IReadOnlyList<WriterFence> AccountFences);

/// <summary>Why an order was refused; the refused order changed nothing.</summary>
public sealed record OrderRefusal(DomainErrorKind Kind, string Code, string Message)
{
    public static OrderRefusal From(DomainException error) => new(error.Kind, error.Code, error.Message);

    public DomainException ToException() => new(Kind, Code, Message);
}

/// <summary>
/// One order's outcome at the book: placed (<see cref="Order"/>) or refused (<see cref="Refusal"/>). For a placed buy,
/// <see cref="CapturedMicros"/> of its reserve went into its contracts' escrow and <see cref="ReleasedMicros"/> back
/// to available (a price improvement, an unfilled remainder); the rest stays held while it rests.
/// </summary>
public sealed record OrderPlacement(OrderView? Order, OrderRefusal? Refusal, long CapturedMicros = 0, long ReleasedMicros = 0)
{
    public static OrderPlacement Refused(DomainException error) => new(null, OrderRefusal.From(error));

    public OrderView Placed => Order ?? throw Refusal!.ToException();
}
