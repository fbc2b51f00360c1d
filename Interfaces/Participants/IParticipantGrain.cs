using ClearingCluster.Runtime;

namespace ClearingCluster.Interfaces.Participants;

/// <summary>A member of the exchange, keyed by participant id: admission, roles, tier.</summary>
public interface IParticipantGrain : IGrainWithStringKey
{
    /// <summary>Registers the participant as pending; a repeat with the same details returns the profile, different details conflict.</summary>
    Task<ParticipantProfile> Register(RegisterParticipant registration);

    /// <summary>pending → active, or suspended → active (reinstatement).</summary>
    Task<ParticipantProfile> Approve();

    /// <summary>
    /// active → suspended: reads still work, trading and usage do not, and the participant's open orders are pulled
    /// from every book (their holds released) before the answer.
    /// </summary>
    Task<ParticipantProfile> Suspend();

    /// <summary>
    /// Moves the participant to another tier (its limits with it); the account holds the new limits before the answer,
    /// so the next order is checked against them. The same tier again changes nothing.
    /// </summary>
    Task<ParticipantProfile> ChangeTier(int tier);

    /// <summary>
    /// Finishes a suspension's pull of open orders that a crash or a failed book interrupted; nothing when none is
    /// pending. The count pulled.
    /// </summary>
    Task<int> FinishSuspension();

    /// <summary>Authorises an active gateway participant to place and cancel this participant's orders; a repeat changes nothing.</summary>
    Task<ParticipantProfile> AuthoriseGateway(string gateway);

    /// <summary>Withdraws a gateway's authority at once: its orders already placed stand.</summary>
    Task<ParticipantProfile> RevokeGateway(string gateway);

    /// <summary>
    /// The profile, or null when no participant has this id. It interleaves with a change in flight (and shows it),
    /// so the participant's own account can load the profile while being told of that change.
    /// </summary>
    [AlwaysInterleave]
    Task<ParticipantProfile?> Get();
}
