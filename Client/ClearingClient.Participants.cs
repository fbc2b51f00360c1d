using ClearingCluster.Wire;

namespace ClearingCluster.Client;

public sealed partial class ClearingClient
{
    public Task<WhoAmIResponse> WhoAmIAsync(CancellationToken cancellationToken = default) =>
        GetAsync<WhoAmIResponse>("/v1/whoami", cancellationToken);

    /// <summary>Admin. Not repeated when in doubt: read the participant to learn whether it was registered.</summary>
    public Task<ParticipantResponse> RegisterParticipantAsync(RegisterParticipantRequest request, CancellationToken cancellationToken = default) =>
        PostAsync<ParticipantResponse>("/v1/participants", request, Repeat.Never, cancellationToken);

    public Task<ParticipantResponse> ApproveParticipantAsync(string id, CancellationToken cancellationToken = default) =>
        PostAsync<ParticipantResponse>($"/v1/participants/{Segment(id)}/approve", null, Repeat.Never, cancellationToken);

    /// <summary>Admin: another tier and its limits; repeated safely (the same tier again changes nothing).</summary>
    public Task<ParticipantResponse> ChangeTierAsync(string id, int tier, CancellationToken cancellationToken = default) =>
        PostAsync<ParticipantResponse>($"/v1/participants/{Segment(id)}/tier", new TierRequest(tier), Repeat.Safe, cancellationToken);

    public Task<ParticipantResponse> SuspendParticipantAsync(string id, CancellationToken cancellationToken = default) =>
        PostAsync<ParticipantResponse>($"/v1/participants/{Segment(id)}/suspend", null, Repeat.Never, cancellationToken);

    /// <summary>Participants by id (admin, regulator; a member sees itself).</summary>
    public Task<ParticipantPageResponse> ListParticipantsAsync(string? status = null, string? role = null, int? tier = null, string? cursor = null,
        int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<ParticipantPageResponse>(Query("/v1/participants", ("status", status), ("role", role), ("tier", tier), ("cursor", cursor), ("limit", limit)),
            cancellationToken);

    public Task<ParticipantResponse> GetParticipantAsync(string id, CancellationToken cancellationToken = default) =>
        GetAsync<ParticipantResponse>($"/v1/participants/{Segment(id)}", cancellationToken);

    /// <summary>Admin. Never repeated: a repeat would issue a second key.</summary>
    public Task<IssuedKeyResponse> IssueKeyAsync(string participant, CancellationToken cancellationToken = default) =>
        PostAsync<IssuedKeyResponse>($"/v1/participants/{Segment(participant)}/keys", null, Repeat.Never, cancellationToken);

    public Task<RevokedKeyResponse> RevokeKeyAsync(string participant, string keyId, CancellationToken cancellationToken = default) =>
        DeleteAsync<RevokedKeyResponse>($"/v1/participants/{Segment(participant)}/keys/{Segment(keyId)}", Repeat.Never, cancellationToken);

    /// <summary>The member or admin; authorising an authorised gateway again changes nothing, so it is repeated safely.</summary>
    public Task<ParticipantResponse> AuthoriseGatewayAsync(string member, string gateway, CancellationToken cancellationToken = default) =>
        PostAsync<ParticipantResponse>($"/v1/participants/{Segment(member)}/gateways", new GatewayRequest(gateway), Repeat.Safe, cancellationToken);

    public Task<ParticipantResponse> RevokeGatewayAsync(string member, string gateway, CancellationToken cancellationToken = default) =>
        DeleteAsync<ParticipantResponse>($"/v1/participants/{Segment(member)}/gateways/{Segment(gateway)}", Repeat.Never, cancellationToken);
}
