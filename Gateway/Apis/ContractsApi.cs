using System.Security.Claims;
using ClearingCluster.Gateway.Apis.Wire;
using ClearingCluster.Gateway.Auth;
using ClearingCluster.Grains.Metering;
using ClearingCluster.Grains.Trading;
using ClearingCluster.Interfaces.Metering;
using ClearingCluster.Grains.Validation;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Contracts;
using ClearingCluster.Interfaces.Participants;
using ClearingCluster.Runtime;

namespace ClearingCluster.Gateway.Apis;

public static class ContractsApi
{
    public const int ListMax = 500;

    public static IEndpointRouteBuilder MapContractsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/contracts/{id}", GetAsync).WithTags("Contracts").RequireAuthorization(AuthPolicies.Authenticated)
            .WithSummary("A contract: its parties, admin, regulator.");
        app.MapGet("/v1/participants/{id}/contracts", ListAsync).WithTags("Contracts").RequireAuthorization(AuthPolicies.Authenticated)
            .WithSummary("A member's contracts, newest first (at most 500): itself, admin, regulator.");
        return app;
    }

    private static async Task<ContractResponse> GetAsync(string id, ClaimsPrincipal user, IGrainFactory grains, MeterOptions metering)
    {
        Inputs.Text(id, "id", Inputs.ReferenceLengthMax);
        var contract = await grains.GetGrain<IContractGrain>(id).Get();
        if (contract is null || !(user.MayRead(contract.Buyer) || user.Participant() == contract.Provider))
        {
            throw DomainException.NotFound("unknown_contract", $"no contract {id}");
        }
        // The meter shard knows what is used now, the open cycle included.
        var used = await grains.GetGrain<IMeterGrain>(MeterShards.ShardOf(id, metering.ShardCount).ToString(System.Globalization.CultureInfo.InvariantCulture)).Used(id);
        return ContractResponse.From(contract with { Used = used });
    }

    private static async Task<IReadOnlyList<ContractResponse>> ListAsync(string id, ClaimsPrincipal user, ITradingStore store, CancellationToken cancellationToken)
    {
        Inputs.Id(id, "id");
        Require.MayRead(user, id);
        return [.. (await store.ContractsOfAsync(id, ListMax, cancellationToken)).Select(ContractResponse.From)];
    }
}
