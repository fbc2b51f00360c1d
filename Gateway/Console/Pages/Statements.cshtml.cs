using ClearingCluster.Wire;
using Microsoft.AspNetCore.Mvc;

namespace ClearingCluster.Gateway.Console.Pages;

/// <summary>
/// An account's statement for a cycle (the member's own by default; staff and regulators may name any account, as the
/// API lets them), with its CSV. A member naming another member's account is refused by the API, so here too.
/// </summary>
public sealed class StatementsModel(ConsoleSessions sessions, ConsoleApi api) : ConsolePage(sessions, api)
{
    public string? Cycle { get; private set; }

    public string Account { get; private set; } = "";

    public StatementResponse? Statement { get; private set; }

    public async Task OnGetAsync([FromQuery] string? cycle, [FromQuery] string? account)
    {
        Account = string.IsNullOrWhiteSpace(account) ? Session.Participant : account.Trim();
        Cycle = cycle?.Trim();
        if (string.IsNullOrEmpty(Cycle))
        {
            return;
        }
        using var client = Api();
        Statement = await client.Api.GetStatementAsync(Account, Cycle, after: null, limit: 1_000, HttpContext.RequestAborted);
    }
}
