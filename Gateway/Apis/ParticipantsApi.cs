using System.Security.Claims;
using System.Text.Json.Nodes;
using ClearingCluster.Wire;
using ClearingCluster.Gateway.Auth;
using ClearingCluster.Gateway.OpenApi;
using ClearingCluster.Grains.Participants;
using ClearingCluster.Grains.Validation;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Ledger;
using ClearingCluster.Interfaces.Participants;
using ClearingCluster.Runtime;

namespace ClearingCluster.Gateway.Apis;

public static class ParticipantsApi
{
    public static IEndpointRouteBuilder MapParticipantsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/participants").WithTags("Participants");

        group.MapPost("/", RegisterAsync).RequireAuthorization(AuthPolicies.AdminOnly)
            .Produces<ParticipantResponse>(StatusCodes.Status201Created).Documented("registerParticipant", 400, 409, 413, 422)
            .WithSummary("Register a participant (pending until approved).");
        group.MapPost("/{id}/approve", (string id, IGrainFactory grains) => Transition(grains, id, p => p.Approve()))
            .RequireAuthorization(AuthPolicies.AdminOnly).Documented("approveParticipant", 400, 404, 409)
            .WithSummary("Admit (pending → active) or reinstate (suspended → active).");
        group.MapPost("/{id}/suspend", (string id, IGrainFactory grains) => Transition(grains, id, p => p.Suspend()))
            .RequireAuthorization(AuthPolicies.AdminOnly).Documented("suspendParticipant", 400, 404, 409)
            .WithSummary("Suspend: reads still work, trading and usage do not.");
        group.MapPost("/{id}/tier", (string id, TierRequest request, IGrainFactory grains) => Transition(grains, id, p => p.ChangeTier(request.Tier)))
            .RequireAuthorization(AuthPolicies.AdminOnly).Documented("changeTier", 400, 404, 409)
            .WithSummary("Move a participant to another tier (1–3) with its limits, from its next order on.");
        group.MapPost("/{id}/keys", IssueKeyAsync).RequireAuthorization(AuthPolicies.AdminOnly)
            .Produces<IssuedKeyResponse>(StatusCodes.Status201Created).Documented("issueKey", 400, 404)
            .WithSummary("Issue an API key carrying the participant's roles; the key is shown once.");
        group.MapDelete("/{id}/keys/{keyId}", RevokeKeyAsync).RequireAuthorization(AuthPolicies.AdminOnly).Documented("revokeKey", 400, 404)
            .WithSummary("Revoke one of the participant's keys: refused at once by this Gateway, by another within 30 s (its key cache).");
        group.MapGet("/{id}", GetAsync).RequireAuthorization(AuthPolicies.Authenticated).Documented("getParticipant", 400, 403, 404)
            .WithSummary("The participant's profile: itself, admin, regulator.");
        group.MapPost("/{id}/gateways", AuthoriseGatewayAsync).RequireAuthorization(AuthPolicies.Authenticated)
            .Produces<ParticipantResponse>(StatusCodes.Status201Created).Documented("authoriseGateway", 400, 403, 404, 409, 422)
            .WithSummary("Authorise a gateway participant to place and cancel the member's orders: the member itself, or admin.");
        group.MapDelete("/{id}/gateways/{gateway}", RevokeGatewayAsync).RequireAuthorization(AuthPolicies.Authenticated)
            .Documented("revokeGateway", 400, 403, 404)
            .WithSummary("Withdraw a gateway's authority at once (orders it placed stand): the member itself, or admin.");
        return app;
    }

    private static async Task<IResult> RegisterAsync(RegisterParticipantRequest request, IGrainFactory grains)
    {
        var registration = ParticipantRules.Validate(new RegisterParticipant(request.Id!, request.Name!, request.Roles!, request.Tier));
        var profile = await grains.GetGrain<IParticipantGrain>(registration.Id).Register(registration);
        return Results.Created($"/v1/participants/{profile.Id}", profile.ToWire());
    }

    private static async Task<ParticipantResponse> Transition(IGrainFactory grains, string id, Func<IParticipantGrain, Task<ParticipantProfile>> change)
    {
        Inputs.Id(id, "id");
        return (await change(grains.GetGrain<IParticipantGrain>(id))).ToWire();
    }

    private static async Task<IResult> IssueKeyAsync(string id, IGrainFactory grains, ApiKeyStore keys, CancellationToken cancellationToken)
    {
        var profile = await FindAsync(grains, id);
        var key = ApiKey.Generate();
        var keyId = ApiKey.IdOf(key);
        await keys.AddAsync(key, keyId, new ApiKeyOwner(profile.Id, profile.Roles), bootstrap: false, cancellationToken);
        await grains.GetGrain<ILedgerGrain>(ILedgerGrain.Key).Append(new EvidenceRecord(
            $"key.issued/{keyId}", "key.issued", profile.Id, new JsonObject { ["keyId"] = keyId }));
        return Results.Created($"/v1/participants/{profile.Id}/keys/{keyId}", new IssuedKeyResponse(key, keyId, profile.Id, profile.Roles));
    }

    private static async Task<RevokedKeyResponse> RevokeKeyAsync(string id, string keyId, IGrainFactory grains, ApiKeyStore keys, CancellationToken cancellationToken)
    {
        await FindAsync(grains, id);
        Inputs.Text(keyId, "keyId", 64);
        if (!await keys.RevokeAsync(id, keyId, cancellationToken))
        {
            throw DomainException.NotFound("unknown_key", $"participant {id} has no key {keyId}");
        }
        await grains.GetGrain<ILedgerGrain>(ILedgerGrain.Key).Append(new EvidenceRecord(
            $"key.revoked/{keyId}", "key.revoked", id, new JsonObject { ["keyId"] = keyId }));
        return new RevokedKeyResponse(keyId, true);
    }

    private static async Task<ParticipantResponse> GetAsync(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        Inputs.Id(id, "id");
        Require.MayRead(user, id);
        return (await FindAsync(grains, id)).ToWire();
    }

    private static async Task<IResult> AuthoriseGatewayAsync(string id, GatewayRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        RequireSelfOrAdmin(user, id);
        var gateway = Inputs.Id(request.Gateway, "gateway");
        var profile = await grains.GetGrain<IParticipantGrain>(id).AuthoriseGateway(gateway);
        return Results.Created($"/v1/participants/{id}/gateways/{gateway}", profile.ToWire());
    }

    private static async Task<ParticipantResponse> RevokeGatewayAsync(string id, string gateway, ClaimsPrincipal user, IGrainFactory grains)
    {
        RequireSelfOrAdmin(user, id);
        return (await grains.GetGrain<IParticipantGrain>(id).RevokeGateway(Inputs.Id(gateway, "gateway"))).ToWire();
    }

    private static void RequireSelfOrAdmin(ClaimsPrincipal user, string id)
    {
        Inputs.Id(id, "id");
        if (!user.IsInRole(Roles.Admin) && user.Participant() != id)
        {
            throw DomainException.Forbidden("forbidden", "a member's gateways are set by the member itself, or by admin");
        }
    }

    private static async Task<ParticipantProfile> FindAsync(IGrainFactory grains, string id)
    {
        Inputs.Id(id, "id");
        return await grains.GetGrain<IParticipantGrain>(id).Get()
            ?? throw DomainException.NotFound("unknown_participant", $"no participant {id}");
    }
}
