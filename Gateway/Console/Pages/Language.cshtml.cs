using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ClearingCluster.Gateway.Console.Pages;

/// <summary>The language switch: remembered in a cookie for a year, then back to the page it was pressed on (a console page only).</summary>
public sealed class LanguageModel : PageModel
{
    public IActionResult OnGet() => Redirect("/console");

    public IActionResult OnPost([FromForm] string? language, [FromForm] string? returnTo)
    {
        if (language is "en" or "zh-CN")
        {
            Response.Cookies.Append(ConsoleText.LanguageCookie, language,
                new CookieOptions { HttpOnly = true, Secure = true, SameSite = SameSiteMode.Strict, Path = "/", MaxAge = TimeSpan.FromDays(365) });
        }
        var back = returnTo is { Length: > 0 } path && path.StartsWith("/console", StringComparison.Ordinal) && !path.StartsWith("//", StringComparison.Ordinal)
            && Url.IsLocalUrl(path) ? path : "/console";
        return LocalRedirect(back);
    }
}
