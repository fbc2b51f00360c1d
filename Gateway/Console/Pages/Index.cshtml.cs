using ClearingCluster.Client;
using ClearingCluster.Wire;

namespace ClearingCluster.Gateway.Console.Pages;

/// <summary>A member's overview: who it is, its roles, and its account's balances as the API shows them to it.</summary>
public sealed class IndexModel(ConsoleSessions sessions, ConsoleApi api) : ConsolePage(sessions, api)
{
    public AccountResponse? Account { get; private set; }

    public async Task OnGetAsync()
    {
        using var client = Api();
        try
        {
            Account = await client.Api.GetAccountAsync(Session.Participant, HttpContext.RequestAborted);
        }
        catch (ClearingProblemException none) when (none.Code == "unknown_account")
        {
            // No money has moved for this member yet.
        }
    }
}
