using System.Security.Claims;
using System.Text;
using ClearingCluster.Wire;
using ClearingCluster.Gateway.Auth;
using ClearingCluster.Gateway.OpenApi;
using ClearingCluster.Grains.Contracts;
using ClearingCluster.Grains.Listings;
using ClearingCluster.Grains.Validation;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Contracts;
using ClearingCluster.Interfaces.Participants;
using ClearingCluster.Runtime;

namespace ClearingCluster.Gateway.Apis;

/// <summary>Contracts, every view from one place (<see cref="ContractDirectory"/>): the single GET and the list agree by construction.</summary>
public static class ContractsApi
{
    public static IEndpointRouteBuilder MapContractsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/contracts/{id}", GetAsync).WithTags("Contracts").RequireAuthorization(AuthPolicies.Authenticated).Documented("getContract", 400, 404)
            .WithSummary("A contract: its parties, admin, regulator.");
        app.MapGet("/v1/contracts/{id}/evidence", EvidenceAsync).WithTags("Contracts").RequireAuthorization(AuthPolicies.Authenticated)
            .Documented("getContractEvidence", 400, 404)
            .WithSummary("The ledger entry holding the contract's batch and the Merkle audit path from its evidence code to the entry's root (waiting the moment the entry may still be in flight): its parties, admin, regulator.");
        app.MapGet("/v1/participants/{id}/contracts", ListAsync).WithTags("Contracts").RequireAuthorization(AuthPolicies.Authenticated)
            .Documented("listContracts", 400, 403, 404)
            .WithSummary("A member's contracts (as buyer or provider), newest first, paged, filtered by status (active, expired), product and counterparty: itself, admin, regulator.");
        return app;
    }

    private static async Task<ContractResponse> GetAsync(string id, ClaimsPrincipal user, ContractDirectory contracts) =>
        (await VisibleAsync(id, user, contracts)).ToWire();

    private static async Task<ContractEvidenceResponse> EvidenceAsync(string id, ClaimsPrincipal user, ContractDirectory contracts)
    {
        var evidence = (await contracts.EvidenceAsync(await VisibleAsync(id, user, contracts)))!;
        return new ContractEvidenceResponse(evidence.Contract.ToWire(),
            Encoding.UTF8.GetString(ContractMerkle.CanonicalTerms(evidence.Contract.Terms)), evidence.Contract.EvidenceCode, evidence.LeafIndex, evidence.LeafCount,
            evidence.AuditPath, evidence.Root, evidence.Entry.ToWire());
    }

    private static async Task<ContractPageResponse> ListAsync(string id, ClaimsPrincipal user, Listings listings, IGrainFactory grains,
        string? status, string? product, string? counterparty, string? cursor, int? limit)
    {
        Inputs.Id(id, "id");
        Require.MayRead(user, id);
        _ = await grains.GetGrain<IParticipantGrain>(id).Get() ?? throw DomainException.NotFound("unknown_participant", $"no participant {id}");
        var query = new ActivityQuery(id, Inputs.OptionalId(product, "product"), null, null, null, PageCursor.Limit(limit));
        var page = await listings.ContractsAsync(query, Inputs.OptionalOneOf(status, "status", Listings.ContractStatusFilters),
            Inputs.OptionalId(counterparty, "counterparty"), cursor);
        return new ContractPageResponse([.. page.Items.Select(WireMapping.ToWire)], page.Next);
    }

    /// <summary>The contract if the caller may see it (its parties, admin, regulator); otherwise 404, so its existence is not told.</summary>
    internal static async Task<ContractView> VisibleAsync(string id, ClaimsPrincipal user, ContractDirectory contracts)
    {
        Inputs.Text(id, "id", Inputs.ReferenceLengthMax);
        var contract = await contracts.FindAsync(id);
        return contract is not null && (user.MayRead(contract.Terms.Buyer) || user.Participant() == contract.Terms.Provider)
            ? contract
            : throw DomainException.NotFound("unknown_contract", $"no contract {id}");
    }
}
