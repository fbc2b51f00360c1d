using ClearingCluster.Wire;

namespace ClearingCluster.Gateway.Console.Pages.Regulator;

/// <summary>The evidence ledger verified on the server from its first entry (regulators and admins, as the API allows): the verdict, and the first bad entry when there is one.</summary>
public sealed class LedgerModel(ConsoleSessions sessions, ConsoleApi api) : ConsolePage(sessions, api)
{
    public LedgerVerifyResponse? Verified { get; private set; }

    public async Task OnGetAsync()
    {
        using var client = Api();
        Verified = await client.Api.VerifyLedgerAsync(HttpContext.RequestAborted);
    }
}
