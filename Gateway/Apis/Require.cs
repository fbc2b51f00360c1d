using System.Security.Claims;
using ClearingCluster.Gateway.Auth;
using ClearingCluster.Interfaces;

namespace ClearingCluster.Gateway.Apis;

/// <summary>Checks a route makes about who may touch which member's data; a refusal is a 403 problem.</summary>
public static class Require
{
    /// <summary>The member itself, admin or regulator.</summary>
    public static void MayRead(ClaimsPrincipal user, string participant)
    {
        if (!user.MayRead(participant))
        {
            throw DomainException.Forbidden("forbidden", "a member may read only its own data");
        }
    }
}
