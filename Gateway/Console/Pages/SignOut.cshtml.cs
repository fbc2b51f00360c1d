using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ClearingCluster.Gateway.Console.Pages;

/// <summary>Signing out ends the session on the server, not only the cookie.</summary>
public sealed class SignOutModel(ConsoleSessions sessions) : PageModel
{
    public IActionResult OnGet() => Redirect("/console");

    public IActionResult OnPost()
    {
        if (Request.Cookies[ConsolePage.SessionCookie] is { } id)
        {
            sessions.End(id);
        }
        Response.Cookies.Delete(ConsolePage.SessionCookie, ConsoleHeaders.SessionCookieOptions());
        return Redirect(ConsolePage.SignInPath);
    }
}
