using ClearingCluster.Interfaces.Participants;
using System.Security.Claims;

namespace ClearingCluster.Gateway.Auth;

public static class CallerExtensions
{
    /// <summary>The claim type carrying the participant id a key belongs to.</summary>
    public const string ParticipantClaim = "participant";

    public static string? Participant(this ClaimsPrincipal user) => user.FindFirstValue(CallerExtensions.ParticipantClaim);

    /// <summary>Admin and regulator read everything; a member reads only what is its own.</summary>
    public static bool MayRead(this ClaimsPrincipal user, string participant) =>
        user.IsInRole(Roles.Admin) || user.IsInRole(Roles.Regulator) || user.Participant() == participant;
}
