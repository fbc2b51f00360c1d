using System.Diagnostics;
using System.Text.Json.Nodes;
using ClearingCluster.Grains.Ledger;
using ClearingCluster.Grains.Validation;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Accounts;
using ClearingCluster.Interfaces.Ledger;
using ClearingCluster.Interfaces.Participants;
using ClearingCluster.Interfaces.Trading;
using ClearingCluster.Grains.Trading;
using Microsoft.Extensions.Logging;
using ClearingCluster.Runtime;

namespace ClearingCluster.Grains.Participants;

public sealed class ParticipantGrain(
    [PersistentState("participant")] IPersistentState<ParticipantState> state,
    ITradingStore trading,
    TimeProvider time,
    ILogger<ParticipantGrain> logger) : Grain, IParticipantGrain
{
    public const string ParticipantSuspended = "participant_suspended";

    private ParticipantState S => state.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await EvidenceOutbox.PublishAsync(GrainFactory, S.PendingEvidence, [.. S.PendingEvidence], redelivery: true);
        if (S.OrdersToPull)
        {
            // Through the grain's own mailbox once active: the books it calls tell accounts, which may ask for this profile.
            var self = GrainFactory.GetGrain<IParticipantGrain>(GetPrimaryKeyString());
            _ = Task.Run(async () =>
            {
                try
                {
                    await self.FinishSuspension();
                }
                catch (Exception error)
                {
                    logger.LogError(error, "participant {Id}: pulling its open orders after suspension failed; retried on next activation", GetPrimaryKeyString());
                }
            }, CancellationToken.None);
        }
    }

    public async Task<ParticipantProfile> Register(RegisterParticipant registration)
    {
        var valid = ParticipantRules.Validate(registration with { Id = GetPrimaryKeyString() });
        if (S.Registered)
        {
            return S.Name == valid.Name && S.Roles.SequenceEqual(valid.Roles) && S.Tier == valid.Tier
                ? Profile()
                : throw DomainException.Conflict("participant_exists", $"participant {valid.Id} is already registered with other details");
        }

        var now = time.GetUtcNow();
        S.Registered = true;
        S.Name = valid.Name;
        S.Roles = [.. valid.Roles];
        S.Tier = valid.Tier;
        S.Status = ParticipantStatus.Pending;
        S.RegisteredAt = S.UpdatedAt = now;
        await CommitAsync("participant.registered", new JsonObject
        {
            ["name"] = valid.Name,
            ["roles"] = new JsonArray([.. valid.Roles.Select(r => JsonValue.Create(r))]),
            ["tier"] = valid.Tier,
        });
        return Profile();
    }

    public async Task<ParticipantProfile> Approve()
    {
        var next = ParticipantRules.Approve(Current().Status);
        var reinstated = S.Status == ParticipantStatus.Suspended;
        S.Status = next;
        // Active again: whatever of a pull was left undone stays undone (its orders may trade).
        S.OrdersToPull = false;
        S.UpdatedAt = time.GetUtcNow();
        await CommitAsync(reinstated ? "participant.reinstated" : "participant.admitted", new JsonObject { ["status"] = "active" });
        return Profile();
    }

    public async Task<ParticipantProfile> Suspend()
    {
        if (S.Registered && S.Status == ParticipantStatus.Suspended && S.OrdersToPull)
        {
            // A suspension whose pull was interrupted: repeating it finishes the pull.
            await FinishSuspension();
            return Profile();
        }
        S.Status = ParticipantRules.Suspend(Current().Status);
        S.UpdatedAt = time.GetUtcNow();
        S.OrdersToPull = true;
        // The account refuses new orders from here on; then what rests is pulled, so nothing of the member trades on.
        await CommitAsync("participant.suspended", new JsonObject { ["status"] = "suspended" });
        await FinishSuspension();
        return Profile();
    }

    public async Task<ParticipantProfile> ChangeTier(int tier)
    {
        var limits = TierLimits.For(tier);
        Current();
        if (S.Tier == tier)
        {
            return Profile();
        }
        var from = S.Tier;
        S.Tier = tier;
        S.UpdatedAt = time.GetUtcNow();
        await CommitAsync("participant.tier_changed", new JsonObject { ["from"] = from, ["tier"] = tier });
        Debug.Assert(Profile().Limits == limits, "the profile carries the new tier's limits");
        // Orders are checked against the account's copy of the profile: it holds the new limits before the answer.
        await GrainFactory.GetGrain<IAccountGrain>(GetPrimaryKeyString()).ParticipantChanged(Profile());
        return Profile();
    }

    public async Task<int> FinishSuspension()
    {
        if (!S.OrdersToPull)
        {
            return 0;
        }
        var id = GetPrimaryKeyString();
        // The account first: it refuses new orders from here on and answers once those it admitted are placed, so the
        // books listed next include every one where an order of the member can rest.
        await GrainFactory.GetGrain<IAccountGrain>(id).ParticipantChanged(Profile());
        var products = await trading.ProductsTradedByAsync(id, CancellationToken.None);
        var pulled = await Task.WhenAll(products.Select(p => GrainFactory.GetGrain<IOrderBookGrain>(p).PullOrders(id, ParticipantSuspended)));
        S.OrdersToPull = false;
        await CommitAsync("participant.orders_pulled", new JsonObject { ["orders"] = pulled.Sum(), ["reason"] = ParticipantSuspended });
        return pulled.Sum();
    }

    public async Task<ParticipantProfile> AuthoriseGateway(string gateway)
    {
        Inputs.Id(gateway, "gateway");
        Current();
        if (S.Gateways.Contains(gateway))
        {
            return Profile();
        }
        if (S.Gateways.Count >= Inputs.ListCountMax)
        {
            throw DomainException.Rule("too_many_gateways", $"a participant authorises at most {Inputs.ListCountMax} gateways");
        }
        var candidate = await GrainFactory.GetGrain<IParticipantGrain>(gateway).Get()
            ?? throw DomainException.NotFound("unknown_participant", $"no participant {gateway}");
        if (!candidate.Roles.Contains(Roles.Gateway) || candidate.Status != ParticipantStatus.Active)
        {
            throw DomainException.Rule("not_a_gateway", $"participant {gateway} is not an active gateway");
        }
        S.Gateways = [.. S.Gateways.Append(gateway).Order(StringComparer.Ordinal)];
        S.UpdatedAt = time.GetUtcNow();
        await CommitAsync("participant.gateway_authorised", new JsonObject { ["gateway"] = gateway });
        return Profile();
    }

    public async Task<ParticipantProfile> RevokeGateway(string gateway)
    {
        Inputs.Id(gateway, "gateway");
        Current();
        if (!S.Gateways.Contains(gateway))
        {
            throw DomainException.NotFound("unknown_gateway", $"participant {GetPrimaryKeyString()} has not authorised gateway {gateway}");
        }
        S.Gateways = [.. S.Gateways.Where(g => g != gateway)];
        S.UpdatedAt = time.GetUtcNow();
        await CommitAsync("participant.gateway_revoked", new JsonObject { ["gateway"] = gateway });
        return Profile();
    }

    public Task<ParticipantProfile?> Get() => Task.FromResult(S.Registered ? Profile() : null);

    private ParticipantState Current() =>
        S.Registered ? S : throw DomainException.NotFound("unknown_participant", $"no participant {GetPrimaryKeyString()}");

    /// <summary>Writes the change with its evidence, then tells the participant's account, whose order gate checks against the profile.</summary>
    private async Task CommitAsync(string kind, JsonObject payload)
    {
        await EvidenceOutbox.CommitAsync(GrainFactory, state, S.PendingEvidence,
            EvidenceOutbox.Record(kind, GetPrimaryKeyString(), state.Version + 1, payload), DeactivateOnIdle);
        await GrainFactory.GetGrain<IAccountGrain>(GetPrimaryKeyString()).ParticipantChanged(Profile());
    }

    private ParticipantProfile Profile() =>
        new(GetPrimaryKeyString(), S.Name, S.Roles, S.Tier, S.Status, TierLimits.For(S.Tier), S.RegisteredAt, S.UpdatedAt, S.Gateways);
}
