using ClearingCluster.Wire;

namespace ClearingCluster.Gateway.Console.Pages;

/// <summary>A provider's products with their listing status and review note, and its orders still resting.</summary>
public sealed class ProviderModel(ConsoleSessions sessions, ConsoleApi api) : ConsolePage(sessions, api)
{
    public IReadOnlyList<ProductResponse> Products { get; private set; } = [];

    public IReadOnlyList<OrderResponse> Resting { get; private set; } = [];

    public async Task OnGetAsync()
    {
        using var client = Api();
        Products = (await client.Api.ListProductsAsync(provider: Session.Participant, limit: 200, cancellationToken: HttpContext.RequestAborted)).Items;
        Resting = (await client.Api.ListOrdersAsync(participant: Session.Participant, status: "open", limit: 100, cancellationToken: HttpContext.RequestAborted)).Items;
    }
}
