namespace ClearingCluster.Interfaces.Participants;

/// <summary>The roles of API.md. <see cref="Admin"/> belongs to the exchange's own keys, never to a participant.</summary>
public static class Roles
{
    public const string Admin = "admin";
    public const string Clearing = "clearing";
    public const string Provider = "provider";
    public const string Buyer = "buyer";
    public const string Intermediary = "intermediary";
    public const string Regulator = "regulator";
    public const string Gateway = "gateway";

    /// <summary>Roles a participant may be admitted with.</summary>
    public static readonly IReadOnlySet<string> ParticipantRoles = new HashSet<string>(StringComparer.Ordinal)
    {
        Provider, Buyer, Intermediary, Regulator, Clearing, Gateway,
    };
}
