using ClearingCluster.Wire;
using Microsoft.AspNetCore.Mvc;

namespace ClearingCluster.Gateway.Console.Pages.Staff;

/// <summary>Settling a computed cycle after a confirmation that shows its report: money moves only on the second, deliberate step.</summary>
public sealed class SettleModel(ConsoleSessions sessions, ConsoleApi api) : ConsolePage(sessions, api)
{
    [FromRoute]
    public string CycleId { get; set; } = "";

    public CycleResponse? Cycle { get; private set; }

    public Task OnGetAsync() => LoadAsync();

    public async Task<IActionResult> OnPostAsync()
    {
        if (await ActAsync(client => client.SettleCycleAsync(CycleId, HttpContext.RequestAborted), "settled", "/console/staff/cycles") is { } done)
        {
            return done;
        }
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        using var client = Api();
        Cycle = await client.Api.GetCycleAsync(CycleId, HttpContext.RequestAborted);
    }
}
