using System.Security.Claims;

namespace ClearingCluster.Gateway.Auth;

public static class CallerExtensions
{
    public static string? Participant(this ClaimsPrincipal user) => user.FindFirstValue(Roles.ParticipantClaim);

    /// <summary>Admin and regulator read everything; a member reads only what is its own.</summary>
    public static bool MayRead(this ClaimsPrincipal user, string participant) =>
        user.IsInRole(Roles.Admin) || user.IsInRole(Roles.Regulator) || user.Participant() == participant;
}
