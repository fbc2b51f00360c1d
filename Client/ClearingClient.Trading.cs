using ClearingCluster.Wire;

namespace ClearingCluster.Client;

public sealed partial class ClearingClient
{
    /// <summary>Repeated safely when in doubt: the same <c>clientOrderId</c> returns the order as it stands, never a second one.</summary>
    public Task<OrderResponse> PlaceOrderAsync(OrderRequest order, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(order.ClientOrderId, "order.ClientOrderId");
        return PostAsync<OrderResponse>("/v1/orders", order, Repeat.Safe, cancellationToken);
    }

    /// <summary>Up to 1,000 orders; one result per order in the same order. Repeated whole when in doubt, each order keyed by its <c>clientOrderId</c>.</summary>
    public Task<BatchOrdersResponse> PlaceOrdersAsync(IReadOnlyList<OrderRequest> orders, CancellationToken cancellationToken = default)
    {
        foreach (var order in orders)
        {
            ArgumentException.ThrowIfNullOrEmpty(order.ClientOrderId, "orders[].ClientOrderId");
        }
        return PostAsync<BatchOrdersResponse>("/v1/orders/batch", orders, Repeat.Safe, cancellationToken);
    }

    /// <summary>Not repeated when in doubt (a repeat after the cancel took effect answers 409): read the order to learn the outcome.</summary>
    public Task<OrderResponse> CancelOrderAsync(string orderId, CancellationToken cancellationToken = default) =>
        DeleteAsync<OrderResponse>($"/v1/orders/{Segment(orderId)}", Repeat.Never, cancellationToken);

    /// <summary>Repeated safely: repeating an applied reduce returns the order.</summary>
    public Task<OrderResponse> ReduceOrderAsync(string orderId, long remaining, CancellationToken cancellationToken = default) =>
        PostAsync<OrderResponse>($"/v1/orders/{Segment(orderId)}/reduce", new ReduceRequest(remaining), Repeat.Safe, cancellationToken);

    public Task<OrderResponse> GetOrderAsync(string orderId, CancellationToken cancellationToken = default) =>
        GetAsync<OrderResponse>($"/v1/orders/{Segment(orderId)}", cancellationToken);

    public Task<ContractResponse> GetContractAsync(string id, CancellationToken cancellationToken = default) =>
        GetAsync<ContractResponse>($"/v1/contracts/{Segment(id)}", cancellationToken);

    public Task<ContractEvidenceResponse> GetContractEvidenceAsync(string id, CancellationToken cancellationToken = default) =>
        GetAsync<ContractEvidenceResponse>($"/v1/contracts/{Segment(id)}/evidence", cancellationToken);

    /// <summary>A member's contracts (as buyer or provider), newest first; pass the page's <c>Next</c> as <paramref name="cursor"/> for the next.</summary>
    public Task<ContractPageResponse> ListContractsAsync(string participant, string? status = null, string? product = null, string? counterparty = null,
        string? cursor = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<ContractPageResponse>(Query($"/v1/participants/{Segment(participant)}/contracts",
            ("status", status), ("product", product), ("counterparty", counterparty), ("cursor", cursor), ("limit", limit)), cancellationToken);

    /// <summary>A participant's orders (the caller's when null), newest first; <paramref name="status"/> is open, closed or one status.</summary>
    public Task<OrderPageResponse> ListOrdersAsync(string? participant = null, string? product = null, string? status = null, string? side = null,
        DateTimeOffset? from = null, DateTimeOffset? to = null, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<OrderPageResponse>(Query("/v1/orders", ("participant", participant), ("product", product), ("status", status), ("side", side),
            ("from", from), ("to", to), ("cursor", cursor), ("limit", limit)), cancellationToken);
}
