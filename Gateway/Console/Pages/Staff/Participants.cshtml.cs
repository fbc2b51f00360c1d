using ClearingCluster.Wire;
using Microsoft.AspNetCore.Mvc;

namespace ClearingCluster.Gateway.Console.Pages.Staff;

/// <summary>Participants, pending first (the admission queue, with approve for admins): whatever the API lets the signed-in key list (a member sees itself).</summary>
public sealed class ParticipantsModel(ConsoleSessions sessions, ConsoleApi api) : ConsolePage(sessions, api)
{
    public IReadOnlyList<ParticipantResponse> Participants { get; private set; } = [];

    public Task OnGetAsync() => LoadAsync();

    public async Task<IActionResult> OnPostApproveAsync([FromForm] string? id)
    {
        return await ActAsync(client => client.ApproveParticipantAsync(id ?? "", HttpContext.RequestAborted), "approved");
    }

    public async Task<IActionResult> OnPostTierAsync([FromForm] string? id, [FromForm] int tier)
    {
        return await ActAsync(client => client.ChangeTierAsync(id ?? "", tier, HttpContext.RequestAborted), "tier_changed");
    }

    public async Task<IActionResult> OnPostSuspendAsync([FromForm] string? id)
    {
        return await ActAsync(client => client.SuspendParticipantAsync(id ?? "", HttpContext.RequestAborted), "suspended");
    }

    protected override async Task LoadAsync()
    {
        using var client = Api();
        var page = await client.Api.ListParticipantsAsync(limit: 200, cancellationToken: HttpContext.RequestAborted);
        Participants = [.. page.Items.OrderBy(p => p.Status == "pending" ? 0 : 1)];
    }
}
