using System.Text;
using Microsoft.AspNetCore.Mvc;

namespace ClearingCluster.Gateway.Console.Pages;

/// <summary>The statement's CSV as the API writes it (amounts in µ¥), downloaded as a file.</summary>
public sealed class StatementCsvModel(ConsoleSessions sessions, ConsoleApi api) : ConsolePage(sessions, api)
{
    public async Task<IActionResult> OnGetAsync([FromQuery] string? cycle, [FromQuery] string? account)
    {
        var owner = string.IsNullOrWhiteSpace(account) ? Session.Participant : account.Trim();
        using var client = Api();
        var csv = await client.Api.GetStatementCsvAsync(owner, cycle?.Trim() ?? "", cancellationToken: HttpContext.RequestAborted);
        var name = new string($"statement-{owner}-{cycle}.csv".Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_').ToArray());
        return File(Encoding.UTF8.GetBytes(csv), "text/csv; charset=utf-8", name);
    }
}
