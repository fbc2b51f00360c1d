using ClearingCluster.Runtime;

namespace ClearingCluster.Interfaces.Participants;

/// <summary>A member of the exchange, keyed by participant id: admission, roles, tier.</summary>
public interface IParticipantGrain : IGrainWithStringKey
{
    /// <summary>Registers the participant as pending; a repeat with the same details returns the profile, different details conflict.</summary>
    Task<ParticipantProfile> Register(RegisterParticipant registration);

    /// <summary>pending → active, or suspended → active (reinstatement).</summary>
    Task<ParticipantProfile> Approve();

    /// <summary>active → suspended: reads still work, trading and usage do not.</summary>
    Task<ParticipantProfile> Suspend();

    /// <summary>The profile, or null when no participant has this id.</summary>
    [ReadOnly]
    Task<ParticipantProfile?> Get();
}
