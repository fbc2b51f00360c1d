namespace ClearingCluster.Grains.Listings;

/// <summary>Where an order or contract sits in a participant's trading history: newest first, by this key.</summary>
public sealed record ActivityKey(long AtMicros, string Product, long Batch, long Number);

/// <summary>One of a participant's orders (as placed) or contracts (as made), with its position.</summary>
public sealed record ActivityRef(string Product, long Number, ActivityKey Key);

/// <summary>A page of a participant's history: optional product and time range [from, to), strictly after <c>Before</c> going back.</summary>
public sealed record ActivityQuery(string Participant, string? Product, DateTimeOffset? From, DateTimeOffset? To, ActivityKey? Before, int Limit);

/// <summary>Which of a participant's activities a listing walks.</summary>
public enum ActivityKind
{
    PlacedOrders,
    Contracts,
}
