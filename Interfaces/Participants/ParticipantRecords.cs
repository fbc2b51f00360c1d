namespace ClearingCluster.Interfaces.Participants;

public enum ParticipantStatus
{
    Pending,
    Active,
    Suspended,
}

public sealed record RegisterParticipant(string Id, string Name, IReadOnlyList<string> Roles, int Tier);

/// <summary>A participant as the exchange knows it; <see cref="Gateways"/> are the gateway participants it authorised to place and cancel its orders.</summary>
public sealed record ParticipantProfile(
    string Id,
    string Name,
    IReadOnlyList<string> Roles,
    int Tier,
    ParticipantStatus Status,
    TierLimits Limits,
    DateTimeOffset RegisteredAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<string> Gateways);

/// <summary>What a tier allows; enforced by pre-trade risk (trading issue).</summary>
public sealed record TierLimits(long MaxOpenBuyValueMicros, long MaxOrderQuantity)
{
    public const int TierMin = 1;
    public const int TierMax = 3;

    public static TierLimits For(int tier) => tier switch
    {
        1 => new TierLimits(MaxOpenBuyValueMicros: 1_000_000_000_000, MaxOrderQuantity: 100_000_000), // ¥1,000,000
        2 => new TierLimits(MaxOpenBuyValueMicros: 100_000_000_000, MaxOrderQuantity: 10_000_000),     // ¥100,000
        3 => new TierLimits(MaxOpenBuyValueMicros: 10_000_000_000, MaxOrderQuantity: 1_000_000),       // ¥10,000
        _ => throw DomainException.Invalid("invalid_tier", $"tier must be {TierMin} to {TierMax}"),
    };
}
