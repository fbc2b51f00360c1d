using ClearingCluster.Wire;
using Microsoft.AspNetCore.Mvc;

namespace ClearingCluster.Gateway.Console.Pages.Staff;

/// <summary>Issuing a voucher to a member, paid from the voucher fund (admins, as the API allows); the voucher's id keys it, so a repeat issues it once.</summary>
public sealed class VouchersModel(ConsoleSessions sessions, ConsoleApi api) : ConsolePage(sessions, api)
{
    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync([FromForm] string? id, [FromForm] string? participant, [FromForm] long amount, [FromForm] string? categories,
        [FromForm] DateOnly expires)
    {
        var request = new IssueVoucherRequest(id, participant, amount,
            (categories ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            new DateTimeOffset(expires.ToDateTime(TimeOnly.MaxValue), TimeSpan.Zero), id);
        return await ActAsync(client => client.IssueVoucherAsync(request, HttpContext.RequestAborted), "voucher_issued");
    }
}
