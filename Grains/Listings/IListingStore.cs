namespace ClearingCluster.Grains.Listings;

/// <summary>Filters of the participant listing; null means any.</summary>
public sealed record ParticipantFilter(string? Status, string? Role, int? Tier);

/// <summary>Filters of the product listing; null means any.</summary>
public sealed record ProductFilter(string? Status, string? Provider, string? Category);

/// <summary>
/// The read model behind listings: which ids match, in a stable order, from a cursor. Views come from the grains (and
/// the contract directory) as for the single reads, so a listing shows exactly what a GET shows.
/// </summary>
public interface IListingStore
{
    /// <summary>Participant ids after <paramref name="afterId"/>, in id order.</summary>
    Task<IReadOnlyList<string>> ParticipantsAsync(ParticipantFilter filter, string? afterId, int limit, CancellationToken cancellationToken);

    /// <summary>Product ids after <paramref name="afterId"/>, in id order.</summary>
    Task<IReadOnlyList<string>> ProductsAsync(ProductFilter filter, string? afterId, int limit, CancellationToken cancellationToken);

    /// <summary>A participant's placed orders or contracts, newest first, strictly before the query's key.</summary>
    Task<IReadOnlyList<ActivityRef>> ActivityAsync(ActivityKind kind, ActivityQuery query, CancellationToken cancellationToken);
}
