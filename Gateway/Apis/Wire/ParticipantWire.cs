using ClearingCluster.Interfaces.Participants;

namespace ClearingCluster.Gateway.Apis.Wire;

public sealed record RegisterParticipantRequest(string? Id, string? Name, string[]? Roles, int Tier);

public sealed record TierLimitsResponse(long MaxOpenBuyValue, long MaxOrderQuantity);

public sealed record ParticipantResponse(
    string Id, string Name, IReadOnlyList<string> Roles, int Tier, string Status, TierLimitsResponse Limits,
    DateTimeOffset RegisteredAt, DateTimeOffset UpdatedAt, IReadOnlyList<string> Gateways)
{
    public static ParticipantResponse From(ParticipantProfile p) => new(
        p.Id, p.Name, p.Roles, p.Tier, p.Status.ToString().ToLowerInvariant(),
        new TierLimitsResponse(p.Limits.MaxOpenBuyValueMicros, p.Limits.MaxOrderQuantity), p.RegisteredAt, p.UpdatedAt, p.Gateways);
}

/// <summary>A gateway participant the member authorises to place and cancel its orders.</summary>
public sealed record GatewayRequest(string? Gateway);

/// <summary>The plain key appears here once and nowhere else, ever.</summary>
public sealed record IssuedKeyResponse(string Key, string KeyId, string Participant, IReadOnlyList<string> Roles);

public sealed record RevokedKeyResponse(string KeyId, bool Revoked);
