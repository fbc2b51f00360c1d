using ClearingCluster.Wire;

namespace ClearingCluster.Gateway.Console.Pages;

/// <summary>A member's contracts (as buyer or provider): quota used, validity, status and evidence code, each linking to its proof.</summary>
public sealed class ContractsModel(ConsoleSessions sessions, ConsoleApi api) : ConsolePage(sessions, api)
{
    public IReadOnlyList<ContractResponse> Contracts { get; private set; } = [];

    /// <summary>Whose contracts: the member's own, or (admins, regulators, as the API allows) <c>?participant=</c>.</summary>
    public string Participant { get; private set; } = "";

    public async Task OnGetAsync([Microsoft.AspNetCore.Mvc.FromQuery] string? participant)
    {
        Participant = string.IsNullOrWhiteSpace(participant) ? Session.Participant : participant.Trim();
        using var client = Api();
        Contracts = (await client.Api.ListContractsAsync(Participant, limit: 100, cancellationToken: HttpContext.RequestAborted)).Items;
    }
}
