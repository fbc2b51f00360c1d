namespace ClearingCluster.Gateway.Auth;

/// <summary>The roles of API.md. Each route names the roles it admits.</summary>
public static class Roles
{
    public const string Admin = "admin";
    public const string Clearing = "clearing";
    public const string Provider = "provider";
    public const string Buyer = "buyer";
    public const string Intermediary = "intermediary";
    public const string Regulator = "regulator";
    public const string Gateway = "gateway";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        Admin, Clearing, Provider, Buyer, Intermediary, Regulator, Gateway,
    };

    /// <summary>The claim type carrying the participant id a key belongs to.</summary>
    public const string ParticipantClaim = "participant";
}
