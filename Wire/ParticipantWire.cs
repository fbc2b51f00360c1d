namespace ClearingCluster.Wire;

public sealed record RegisterParticipantRequest(string? Id, string? Name, string[]? Roles, int Tier);

/// <summary>A participant's new tier (1–3); its limits follow.</summary>
public sealed record TierRequest(int Tier);

public sealed record TierLimitsResponse(long MaxOpenBuyValue, long MaxOrderQuantity);

public sealed record ParticipantResponse(
    string Id, string Name, IReadOnlyList<string> Roles, int Tier, string Status, TierLimitsResponse Limits,
    DateTimeOffset RegisteredAt, DateTimeOffset UpdatedAt, IReadOnlyList<string> Gateways);

/// <summary>A gateway participant the member authorises to place and cancel its orders.</summary>
public sealed record GatewayRequest(string? Gateway);

/// <summary>The plain key appears here once and nowhere else, ever.</summary>
public sealed record IssuedKeyResponse(string Key, string KeyId, string Participant, IReadOnlyList<string> Roles);

public sealed record RevokedKeyResponse(string KeyId, bool Revoked);

/// <summary>Which participant and roles the calling key carries.</summary>
public sealed record WhoAmIResponse(string Participant, IReadOnlyList<string> Roles);
