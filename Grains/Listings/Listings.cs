using ClearingCluster.Grains.Contracts;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Contracts;
using ClearingCluster.Interfaces.Participants;
using ClearingCluster.Interfaces.Products;
using ClearingCluster.Interfaces.Trading;
using ClearingCluster.Runtime;
using System.Globalization;

namespace ClearingCluster.Grains.Listings;

/// <summary>A page of a listing and the cursor of the next, null when there is no more.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? Next);

/// <summary>
/// Listings with cursor paging: ids from the read model (<see cref="IListingStore"/>), views from the grains and the
/// contract directory, exactly as the single reads show them. Filters the read model cannot apply are applied to the
/// views; such a page scans at most <see cref="ScanPagesMax"/> pages of candidates, so it may come back short, with a
/// cursor to go on.
/// </summary>
public sealed class Listings(IListingStore store, ContractDirectory contracts, IGrainFactory grains)
{
    public const int ScanPagesMax = 5;

    public static readonly IReadOnlySet<string> OrderStatusFilters =
        new HashSet<string>(StringComparer.Ordinal) { "open", "closed", OrderStatus.Resting, OrderStatus.PartiallyFilled, OrderStatus.Filled, OrderStatus.Cancelled };

    public static readonly IReadOnlySet<string> ContractStatusFilters = new HashSet<string>(StringComparer.Ordinal) { "active", "expired" };

    public async Task<Page<ParticipantProfile>> ParticipantsAsync(ParticipantFilter filter, string? cursor, int? limit)
    {
        var size = PageCursor.Limit(limit);
        var ids = await store.ParticipantsAsync(filter, PageCursor.Decode(cursor, 1)?[0], size, CancellationToken.None);
        var profiles = await Task.WhenAll(ids.Select(id => grains.GetGrain<IParticipantGrain>(id).Get()));
        return new([.. profiles.OfType<ParticipantProfile>()], ids.Count == size ? PageCursor.Encode(ids[^1]) : null);
    }

    public async Task<Page<ProductView>> ProductsAsync(ProductFilter filter, string? cursor, int? limit)
    {
        var size = PageCursor.Limit(limit);
        var ids = await store.ProductsAsync(filter, PageCursor.Decode(cursor, 1)?[0], size, CancellationToken.None);
        var products = await Task.WhenAll(ids.Select(id => grains.GetGrain<IProductGrain>(id).Get()));
        return new([.. products.OfType<ProductView>()], ids.Count == size ? PageCursor.Encode(ids[^1]) : null);
    }

    /// <summary>A participant's orders, newest first; <paramref name="visible"/> keeps those the caller may see.</summary>
    public Task<Page<OrderView>> OrdersAsync(ActivityQuery query, string? status, string? side, string? cursor, Func<OrderView, bool> visible) =>
        ScanAsync<OrderView>(ActivityKind.PlacedOrders, query, cursor,
            async refs => await Task.WhenAll(refs.Select(r => grains.GetGrain<IOrderBookGrain>(r.Product).GetOrder(OrderId(r)))),
            order => order is not null && visible(order) && (side is null || order.Side == side) && StatusMatches(order.Status, status));

    /// <summary>A participant's contracts (as buyer or provider), newest first.</summary>
    public Task<Page<ContractView>> ContractsAsync(ActivityQuery query, string? status, string? counterparty, string? cursor) =>
        ScanAsync<ContractView>(ActivityKind.Contracts, query, cursor,
            async refs =>
            {
                var ids = refs.Select(r => ContractTerms.IdOf(r.Product, r.Number)).ToList();
                var views = (await contracts.ViewsAsync(ids)).ToDictionary(v => v.Terms.Id, StringComparer.Ordinal);
                return [.. ids.Select(id => views.GetValueOrDefault(id))];
            },
            contract => contract is not null && (status is null || contract.Status == status)
                && (counterparty is null || (contract.Terms.Buyer == query.Participant ? contract.Terms.Provider : contract.Terms.Buyer) == counterparty));

    private async Task<Page<T>> ScanAsync<T>(ActivityKind kind, ActivityQuery query, string? cursor,
        Func<IReadOnlyList<ActivityRef>, Task<IReadOnlyList<T?>>> views, Func<T?, bool> keep)
        where T : class
    {
        var before = DecodeKey(cursor);
        var items = new List<T>(query.Limit);
        for (var scanned = 0; scanned < ScanPagesMax; scanned++)
        {
            var refs = await store.ActivityAsync(kind, query with { Before = before }, CancellationToken.None);
            var shown = await views(refs);
            for (var i = 0; i < refs.Count; i++)
            {
                before = refs[i].Key;
                if (keep(shown[i]))
                {
                    items.Add(shown[i]!);
                    if (items.Count == query.Limit)
                    {
                        return new(items, i < refs.Count - 1 || refs.Count == query.Limit ? EncodeKey(before) : null);
                    }
                }
            }
            if (refs.Count < query.Limit)
            {
                return new(items, null);
            }
        }
        return new(items, before is null ? null : EncodeKey(before));
    }

    private static string OrderId(ActivityRef order) => $"{order.Product}:{order.Number.ToString(CultureInfo.InvariantCulture)}";

    private static bool StatusMatches(string status, string? filter) => filter switch
    {
        null => true,
        "open" => OrderStatus.IsOpen(status),
        "closed" => !OrderStatus.IsOpen(status),
        _ => status == filter,
    };

    private static string EncodeKey(ActivityKey key) => PageCursor.Encode(
        key.AtMicros.ToString(CultureInfo.InvariantCulture), key.Product, key.Batch.ToString(CultureInfo.InvariantCulture),
        key.Number.ToString(CultureInfo.InvariantCulture));

    private static ActivityKey? DecodeKey(string? cursor)
    {
        if (PageCursor.Decode(cursor, 4) is not { } parts)
        {
            return null;
        }
        return long.TryParse(parts[0], CultureInfo.InvariantCulture, out var at) && long.TryParse(parts[2], CultureInfo.InvariantCulture, out var batch)
            && long.TryParse(parts[3], CultureInfo.InvariantCulture, out var number)
            ? new ActivityKey(at, parts[1], batch, number)
            : throw DomainException.Invalid("invalid_cursor", "cursor is not one this listing gave");
    }
}
