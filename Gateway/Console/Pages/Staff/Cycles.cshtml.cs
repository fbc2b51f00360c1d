using ClearingCluster.Wire;

namespace ClearingCluster.Gateway.Console.Pages.Staff;

/// <summary>Clearing cycles, newest first: clearing staff, admins and regulators (the API refuses anyone else, and so does this page).</summary>
public sealed class CyclesModel(ConsoleSessions sessions, ConsoleApi api) : ConsolePage(sessions, api)
{
    public IReadOnlyList<CycleResponse> Cycles { get; private set; } = [];

    public async Task OnGetAsync()
    {
        using var client = Api();
        Cycles = (await client.Api.ListCyclesAsync(limit: 50, cancellationToken: HttpContext.RequestAborted)).Cycles;
    }
}
