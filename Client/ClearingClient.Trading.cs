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

    /// <summary>Repeated when in doubt; a repeat after the cancel took effect is refused as the order is no longer open (409).</summary>
    public Task<OrderResponse> CancelOrderAsync(string orderId, CancellationToken cancellationToken = default) =>
        DeleteAsync<OrderResponse>($"/v1/orders/{Segment(orderId)}", Repeat.Safe, cancellationToken);

    /// <summary>Repeated safely: repeating an applied reduce returns the order.</summary>
    public Task<OrderResponse> ReduceOrderAsync(string orderId, long remaining, CancellationToken cancellationToken = default) =>
        PostAsync<OrderResponse>($"/v1/orders/{Segment(orderId)}/reduce", new ReduceRequest(remaining), Repeat.Safe, cancellationToken);

    public Task<OrderResponse> GetOrderAsync(string orderId, CancellationToken cancellationToken = default) =>
        GetAsync<OrderResponse>($"/v1/orders/{Segment(orderId)}", cancellationToken);

    public Task<ContractResponse> GetContractAsync(string id, CancellationToken cancellationToken = default) =>
        GetAsync<ContractResponse>($"/v1/contracts/{Segment(id)}", cancellationToken);

    public Task<ContractEvidenceResponse> GetContractEvidenceAsync(string id, CancellationToken cancellationToken = default) =>
        GetAsync<ContractEvidenceResponse>($"/v1/contracts/{Segment(id)}/evidence", cancellationToken);

    /// <summary>A member's contracts, newest first (at most 500).</summary>
    public Task<IReadOnlyList<ContractResponse>> ListContractsAsync(string participant, CancellationToken cancellationToken = default) =>
        GetAsync<IReadOnlyList<ContractResponse>>($"/v1/participants/{Segment(participant)}/contracts", cancellationToken);
}
