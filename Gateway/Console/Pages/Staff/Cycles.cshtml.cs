using ClearingCluster.Wire;
using Microsoft.AspNetCore.Mvc;

namespace ClearingCluster.Gateway.Console.Pages.Staff;

/// <summary>Clearing cycles, newest first, with cut-off and compute; settling asks first (<see cref="SettleModel"/>). Clearing staff, admins and regulators may look, as the API allows; only staff may act.</summary>
public sealed class CyclesModel(ConsoleSessions sessions, ConsoleApi api) : ConsolePage(sessions, api)
{
    public IReadOnlyList<CycleResponse> Cycles { get; private set; } = [];

    public Task OnGetAsync() => LoadAsync();

    public async Task<IActionResult> OnPostCutOffAsync() =>
        await ActAsync(client => client.CutOffCycleAsync(HttpContext.RequestAborted), "cut_off");

    public async Task<IActionResult> OnPostComputeAsync([FromForm] string? cycleId) =>
        await ActAsync(client => client.ComputeCycleAsync(cycleId ?? "", HttpContext.RequestAborted), "computed");

    /// <summary>A correction against a settled cycle, posted in the next one; its id is fresh, so a reload records nothing twice.</summary>
    public async Task<IActionResult> OnPostAdjustAsync([FromForm] string? cycleId, [FromForm] string? from, [FromForm] string? to, [FromForm] long amount,
        [FromForm] string? reason)
    {
        var adjustment = new AdjustmentRequest($"console-{Guid.NewGuid():N}", from, to, amount, reason);
        return await ActAsync(client => client.RecordAdjustmentAsync(cycleId ?? "", adjustment, HttpContext.RequestAborted), "adjusted");
    }

    protected override async Task LoadAsync()
    {
        using var client = Api();
        Cycles = (await client.Api.ListCyclesAsync(limit: 50, cancellationToken: HttpContext.RequestAborted)).Cycles;
    }
}
