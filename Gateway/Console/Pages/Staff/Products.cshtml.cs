using ClearingCluster.Wire;
using Microsoft.AspNetCore.Mvc;

namespace ClearingCluster.Gateway.Console.Pages.Staff;

/// <summary>The listing review queue: products awaiting review, approved or rejected with a note (admins, as the API allows).</summary>
public sealed class ProductsModel(ConsoleSessions sessions, ConsoleApi api) : ConsolePage(sessions, api)
{
    public IReadOnlyList<ProductResponse> Pending { get; private set; } = [];

    public Task OnGetAsync() => LoadAsync();

    public async Task<IActionResult> OnPostReviewAsync([FromForm] string? id, [FromForm] bool approve, [FromForm] string? note)
    {
        var review = (Func<Client.ClearingClient, Task>)(client => client.ReviewProductAsync(id ?? "", approve, string.IsNullOrWhiteSpace(note) ? null : note,
            HttpContext.RequestAborted));
        return await ActAsync(review, approve ? "approved" : "rejected");
    }

    protected override async Task LoadAsync()
    {
        using var client = Api();
        Pending = (await client.Api.ListProductsAsync(status: "pending_review", limit: 200, cancellationToken: HttpContext.RequestAborted)).Items;
    }
}
