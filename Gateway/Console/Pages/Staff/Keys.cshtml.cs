using ClearingCluster.Client;
using ClearingCluster.Wire;
using Microsoft.AspNetCore.Mvc;

namespace ClearingCluster.Gateway.Console.Pages.Staff;

/// <summary>
/// Issuing and revoking a member's API keys (admins, as the API allows). A new key is shown once, on the answer to the
/// form (never in a URL, never cached: the console's pages are no-store); only its hash is kept.
/// </summary>
public sealed class KeysModel(ConsoleSessions sessions, ConsoleApi api) : ConsolePage(sessions, api)
{
    public IssuedKeyResponse? Issued { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostIssueAsync([FromForm] string? participant)
    {
        using var client = Api();
        try
        {
            Issued = await client.Api.IssueKeyAsync(participant ?? "", HttpContext.RequestAborted);
        }
        catch (ClearingProblemException refused) when (IsRule(refused))
        {
            ShowRefusal(refused);
        }
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync([FromForm] string? participant, [FromForm] string? keyId) =>
        await ActAsync(client => client.RevokeKeyAsync(participant ?? "", keyId ?? "", HttpContext.RequestAborted), "key_revoked");
}
