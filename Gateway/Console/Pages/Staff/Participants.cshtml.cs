using ClearingCluster.Wire;

namespace ClearingCluster.Gateway.Console.Pages.Staff;

/// <summary>Staff's list of participants: whatever the API lets the signed-in key list (a member is refused, 403).</summary>
public sealed class ParticipantsModel(ConsoleSessions sessions, ConsoleApi api) : ConsolePage(sessions, api)
{
    public IReadOnlyList<ParticipantResponse> Participants { get; private set; } = [];

    public async Task OnGetAsync()
    {
        using var client = Api();
        Participants = (await client.Api.ListParticipantsAsync(limit: 200, cancellationToken: HttpContext.RequestAborted)).Items;
    }
}
