using ClearingCluster.Wire;
using Microsoft.AspNetCore.Mvc;

namespace ClearingCluster.Gateway.Console.Pages;

/// <summary>A member's orders, newest first, with order entry (limit, good till cancelled) and cancel: each through the API as the member.</summary>
public sealed class OrdersModel(ConsoleSessions sessions, ConsoleApi api) : ConsolePage(sessions, api)
{
    public IReadOnlyList<OrderResponse> Orders { get; private set; } = [];

    /// <summary>Whose orders: the member's own, or (admins, regulators, as the API allows) <c>?participant=</c>, read only.</summary>
    public string Participant { get; private set; } = "";

    public bool Own => Participant == Session.Participant;

    public Task OnGetAsync([FromQuery] string? participant)
    {
        Participant = string.IsNullOrWhiteSpace(participant) ? Session.Participant : participant.Trim();
        return LoadAsync();
    }

    public async Task<IActionResult> OnPostPlaceAsync([FromForm] string? product, [FromForm] string? side, [FromForm] long price, [FromForm] long quantity,
        [FromForm] string? scenario)
    {
        // A fresh client order id per submission: the redirect after it means a reload does not submit it again.
        var order = new OrderRequest($"console-{Guid.NewGuid():N}", Session.Participant, product, side, Price: price, Quantity: quantity,
            Scenario: string.IsNullOrWhiteSpace(scenario) ? null : scenario.Trim());
        return await ActAsync(client => client.PlaceOrderAsync(order, HttpContext.RequestAborted), "placed") ?? await ReloadAsync();
    }

    public async Task<IActionResult> OnPostCancelAsync([FromForm] string? orderId) =>
        await ActAsync(client => client.CancelOrderAsync(orderId ?? "", HttpContext.RequestAborted), "cancelled") ?? await ReloadAsync();

    private async Task<IActionResult> ReloadAsync()
    {
        Participant = Session.Participant;
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        using var client = Api();
        Orders = (await client.Api.ListOrdersAsync(participant: Participant, limit: 50, cancellationToken: HttpContext.RequestAborted)).Items;
    }
}
