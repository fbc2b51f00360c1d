using ClearingCluster.Wire;

namespace ClearingCluster.Client;

public sealed partial class ClearingClient
{
    /// <summary>Its provider or admin. Repeated safely: the same submission again returns the product as it stands.</summary>
    public Task<ProductResponse> SubmitProductAsync(SubmitProductRequest request, CancellationToken cancellationToken = default) =>
        PostAsync<ProductResponse>("/v1/products", request, Repeat.Safe, cancellationToken);

    public Task<ProductResponse> ReviewProductAsync(string id, bool approve, string? note = null, CancellationToken cancellationToken = default) =>
        PostAsync<ProductResponse>($"/v1/products/{Segment(id)}/review", new ReviewProductRequest(approve, note), Repeat.Never, cancellationToken);

    public Task<ProductResponse> SuspendProductAsync(string id, string? note = null, CancellationToken cancellationToken = default) =>
        PostAsync<ProductResponse>($"/v1/products/{Segment(id)}/suspend", new ProductNoteRequest(note), Repeat.Never, cancellationToken);

    public Task<ProductResponse> ReinstateProductAsync(string id, string? note = null, CancellationToken cancellationToken = default) =>
        PostAsync<ProductResponse>($"/v1/products/{Segment(id)}/reinstate", new ProductNoteRequest(note), Repeat.Never, cancellationToken);

    public Task<ProductResponse> DelistProductAsync(string id, string? note = null, CancellationToken cancellationToken = default) =>
        PostAsync<ProductResponse>($"/v1/products/{Segment(id)}/delist", new ProductNoteRequest(note), Repeat.Never, cancellationToken);

    public Task<ProductPageResponse> ListProductsAsync(string? status = null, string? provider = null, string? category = null, string? cursor = null,
        int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<ProductPageResponse>(Query("/v1/products", ("status", status), ("provider", provider), ("category", category), ("cursor", cursor),
            ("limit", limit)), cancellationToken);

    public Task<ProductResponse> GetProductAsync(string id, CancellationToken cancellationToken = default) =>
        GetAsync<ProductResponse>($"/v1/products/{Segment(id)}", cancellationToken);

    /// <summary>Aggregated levels, best first; <paramref name="depth"/> 1–100.</summary>
    public Task<BookResponse> GetOrderBookAsync(string product, int depth = 20, CancellationToken cancellationToken = default) =>
        GetAsync<BookResponse>($"/v1/products/{Segment(product)}/book?depth={depth}", cancellationToken);
}
