using ClearingCluster.Grains.Validation;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Participants;

namespace ClearingCluster.Grains.Participants;

/// <summary>Admission rules: what a registration must carry, and which status changes are allowed.</summary>
public static class ParticipantRules
{
    public static RegisterParticipant Validate(RegisterParticipant registration)
    {
        Inputs.Id(registration.Id, "id");
        if (Interfaces.Accounts.AccountIds.System.Contains(registration.Id) || registration.Id == Roles.Admin)
        {
            throw DomainException.Invalid("reserved_id", $"participant id '{registration.Id}' is reserved for the exchange");
        }
        Inputs.Text(registration.Name, "name", Inputs.NameLengthMax);
        var roles = Inputs.DistinctIds(registration.Roles, "roles");
        foreach (var role in roles)
        {
            Inputs.OneOf(role, "roles", Roles.ParticipantRoles);
        }
        TierLimits.For(registration.Tier);
        return registration with { Roles = roles };
    }

    public static ParticipantStatus Approve(ParticipantStatus current) => current switch
    {
        ParticipantStatus.Pending or ParticipantStatus.Suspended => ParticipantStatus.Active,
        _ => throw DomainException.Conflict("invalid_transition", $"a participant that is {Wire(current)} cannot be approved"),
    };

    public static ParticipantStatus Suspend(ParticipantStatus current) => current switch
    {
        ParticipantStatus.Active => ParticipantStatus.Suspended,
        _ => throw DomainException.Conflict("invalid_transition", $"a participant that is {Wire(current)} cannot be suspended"),
    };

    public static string Wire(ParticipantStatus status) => status.ToString().ToLowerInvariant();
}
