using ClearingCluster.Client;

namespace ClearingCluster.Gateway.Console.Pages;

/// <summary>This Gateway's health and its hot paths over the last minutes (<see cref="OperationsHistory"/>), charted in the browser and refreshed as samples come.</summary>
public sealed class OperationsModel(ConsoleSessions sessions, ConsoleApi api, ConsoleOptions options) : ConsolePage(sessions, api)
{
    public string Health { get; private set; } = "";

    public TimeSpan SampleEvery => options.OperationsSampleEvery;

    public async Task OnGetAsync()
    {
        if (!Operations.MayWatch(Session))
        {
            Response.StatusCode = StatusCodes.Status403Forbidden;
            Refusal = "forbidden: operations are for clearing staff, admins and regulators";
            return;
        }
        using var client = Api();
        try
        {
            Health = (await client.Api.GetReadinessAsync(HttpContext.RequestAborted)).Status;
        }
        catch (ClearingProblemException unready) when ((int)unready.Status == 503)
        {
            Health = unready.Code;
        }
    }
}
