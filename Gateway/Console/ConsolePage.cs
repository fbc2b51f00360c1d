using ClearingCluster.Client;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ClearingCluster.Gateway.Console;

/// <summary>
/// Every console page but sign-in: no session, no page (to sign-in); the API's answers decide the rest. A 401 from
/// the API (the key revoked, the member suspended) ends the session; a 403 or 404 is shown as the refusal it is, with
/// its status, so a member who reaches a staff page or another member's data is refused by the server, not by a
/// hidden link.
/// </summary>
public abstract class ConsolePage(ConsoleSessions sessions, ConsoleApi api) : PageModel
{
    public const string SessionCookie = "__Host-cc_session";
    public const string SignInPath = "/console/signin";

    private ConsoleText? text;

    public ConsoleSession Session { get; private set; } = null!;

    public ConsoleText Text => text ??= ConsoleText.For(HttpContext);

    /// <summary>What the API refused, when it did: the page shows this alone.</summary>
    public string? Refusal { get; protected set; }

    /// <summary>What the last action did (after its redirect), or why the API refused it: shown above the page.</summary>
    public string? Done { get; private set; }

    public string? Problem { get; private set; }

    /// <summary>A client acting as the signed-in member, for this page only.</summary>
    protected SessionClient Api() => api.For(Session.Key);

    /// <summary>
    /// Runs an action through the API. Done: redirects to this page saying so (a reload then repeats nothing). Refused by
    /// a rule (400, 409, 422) or for now (503): the page again (<see cref="LoadAsync"/>), with the API's reason in
    /// <see cref="Problem"/> and its status. Not allowed (401, 403, 404): left to the page filter, like any read.
    /// </summary>
    protected async Task<IActionResult> ActAsync(Func<ClearingClient, Task> action, string done, string? returnTo = null)
    {
        using (var client = Api())
        {
            try
            {
                await action(client.Api);
                return LocalRedirect($"{returnTo ?? Request.Path.Value}?done={Uri.EscapeDataString(done)}");
            }
            catch (ClearingProblemException refused) when (IsRule(refused))
            {
                ShowRefusal(refused);
            }
        }
        await LoadAsync();
        return Page();
    }

    /// <summary>What the page shows, read through the API: its GET, and the page again after a refused action.</summary>
    protected virtual Task LoadAsync() => Task.CompletedTask;

    /// <summary>A refusal by the exchange's rules (400, 409, 422) or for now (503): shown on the page, with its status.</summary>
    protected static bool IsRule(ClearingProblemException refused) => (int)refused.Status is 400 or 409 or 422 or 503;

    protected void ShowRefusal(ClearingProblemException refused)
    {
        Problem = $"{refused.Code}: {refused.Detail}";
        Response.StatusCode = (int)refused.Status;
    }

    /// <summary>The message a redirect after an action carries (<c>?done=</c>, one of the console's own words).</summary>
    private void ReadDone()
    {
        if (Request.Query["done"].FirstOrDefault() is { Length: > 0 and <= 40 } done && Text.Knows("done_" + done))
        {
            Done = Text["done_" + done];
        }
    }

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        ConsoleHeaders.Apply(Response);
        if (sessions.Find(Request.Cookies[SessionCookie]) is not { } session)
        {
            context.Result = Redirect(SignInPath);
            return;
        }
        Session = session;
        ReadDone();
        var executed = await next();
        switch (executed.Exception)
        {
            case ClearingProblemException { Status: System.Net.HttpStatusCode.Unauthorized }:
                sessions.End(session.Id);
                Response.Cookies.Delete(SessionCookie, ConsoleHeaders.SessionCookieOptions());
                executed.Result = Redirect(SignInPath);
                executed.ExceptionHandled = true;
                break;
            case ClearingProblemException { Status: System.Net.HttpStatusCode.Forbidden or System.Net.HttpStatusCode.NotFound } refused:
                Refusal = $"{refused.Code}: {refused.Detail}";
                Response.StatusCode = (int)refused.Status;
                executed.Result = new PageResult();
                executed.ExceptionHandled = true;
                break;
        }
    }
}
