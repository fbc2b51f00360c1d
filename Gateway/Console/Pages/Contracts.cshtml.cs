using ClearingCluster.Wire;

namespace ClearingCluster.Gateway.Console.Pages;

/// <summary>A member's contracts (as buyer or provider): quota used, validity, status and evidence code, each linking to its proof.</summary>
public sealed class ContractsModel(ConsoleSessions sessions, ConsoleApi api) : ConsolePage(sessions, api)
{
    public IReadOnlyList<ContractResponse> Contracts { get; private set; } = [];

    public async Task OnGetAsync()
    {
        using var client = Api();
        Contracts = (await client.Api.ListContractsAsync(Session.Participant, limit: 100, cancellationToken: HttpContext.RequestAborted)).Items;
    }
}
