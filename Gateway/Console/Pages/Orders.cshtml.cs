using ClearingCluster.Wire;
using Microsoft.AspNetCore.Mvc;

namespace ClearingCluster.Gateway.Console.Pages;

/// <summary>A member's orders, newest first, with order entry (limit, good till cancelled) and cancel: each through the API as the member.</summary>
public sealed class OrdersModel(ConsoleSessions sessions, ConsoleApi api) : ConsolePage(sessions, api)
{
    public IReadOnlyList<OrderResponse> Orders { get; private set; } = [];

    private string? shown;

    /// <summary>Whose orders: the member's own, or (admins, regulators, as the API allows) <c>?participant=</c>, read only.</summary>
    public string Participant => shown ?? Session.Participant;

    public bool Own => Participant == Session.Participant;

    public Task OnGetAsync([FromQuery] string? participant)
    {
        shown = string.IsNullOrWhiteSpace(participant) ? null : participant.Trim();
        return LoadAsync();
    }

    public async Task<IActionResult> OnPostPlaceAsync([FromForm] string? product, [FromForm] string? side, [FromForm] long price, [FromForm] long quantity,
        [FromForm] string? scenario)
    {
        // A fresh client order id per submission: the redirect after it means a reload does not submit it again.
        var order = new OrderRequest($"console-{Guid.NewGuid():N}", Session.Participant, product, side, Price: price, Quantity: quantity,
            Scenario: string.IsNullOrWhiteSpace(scenario) ? null : scenario.Trim());
        return await ActAsync(client => client.PlaceOrderAsync(order, HttpContext.RequestAborted), "placed");
    }

    public async Task<IActionResult> OnPostCancelAsync([FromForm] string? orderId) =>
        await ActAsync(client => client.CancelOrderAsync(orderId ?? "", HttpContext.RequestAborted), "cancelled");

    protected override async Task LoadAsync()
    {
        using var client = Api();
        Orders = (await client.Api.ListOrdersAsync(participant: Participant, limit: 50, cancellationToken: HttpContext.RequestAborted)).Items;
    }
}
