using ClearingCluster.Client;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ClearingCluster.Gateway.Console.Pages;

/// <summary>Signing in with an API key: the API itself says whether it is a key and whose (<c>/v1/whoami</c>); the browser gets a session id, never the key.</summary>
public sealed class SignInModel(ConsoleSessions sessions, ConsoleApi api) : PageModel
{
    private ConsoleText? text;

    public ConsoleText Text => text ??= ConsoleText.For(HttpContext);

    public string? Error { get; private set; }

    public void OnGet() => ConsoleHeaders.Apply(Response);

    public async Task<IActionResult> OnPostAsync([FromForm] string? key)
    {
        ConsoleHeaders.Apply(Response);
        if (key is null || key.Length is < 16 or > 128)
        {
            Error = Text["key_missing"];
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        using var client = api.For(key);
        Wire.WhoAmIResponse who;
        try
        {
            who = await client.Api.WhoAmIAsync(HttpContext.RequestAborted);
        }
        catch (ClearingProblemException refused) when (refused.Status is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden)
        {
            Error = Text["key_refused"];
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Page();
        }
        var session = sessions.Start(key, who.Participant, who.Roles);
        Response.Cookies.Append(ConsolePage.SessionCookie, session.Id, ConsoleHeaders.SessionCookieOptions());
        return Redirect("/console");
    }
}
