using ClearingCluster.Client;
using ClearingCluster.Wire;
using Microsoft.AspNetCore.Mvc;

namespace ClearingCluster.Gateway.Console.Pages;

/// <summary>
/// A contract's evidence, proved in the browser (<c>/console/assets/evidence.js</c>): the terms hash to the evidence
/// code, the audit path folds it into the batch's root, and the ledger entry carries that root. Its buyer, its
/// provider, admins and regulators, as the API allows.
/// </summary>
public sealed class EvidenceModel(ConsoleSessions sessions, ConsoleApi api) : ConsolePage(sessions, api)
{
    [FromRoute]
    public string ContractId { get; set; } = "";

    public ContractEvidenceResponse? Proof { get; private set; }

    public async Task OnGetAsync()
    {
        using var client = Api();
        try
        {
            Proof = await client.Api.GetContractEvidenceAsync(ContractId, HttpContext.RequestAborted);
        }
        catch (ClearingProblemException notYet) when ((int)notYet.Status == 503)
        {
            // Its batch's entry is not on the ledger yet: a moment later it is.
            Response.StatusCode = (int)notYet.Status;
            Refusal = $"{notYet.Code}: {notYet.Detail}";
        }
    }
}
