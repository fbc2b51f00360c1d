using Microsoft.AspNetCore.Mvc;

namespace ClearingCluster.Gateway.Errors;

/// <summary>
/// RFC 7807 problem+json with a <c>type</c> naming the rule broken (<c>urn:clearing:problem:scenario_not_permitted</c>).
/// </summary>
public static class Problems
{
    public const string TypePrefix = "urn:clearing:problem:";

    public static ProblemDetails Create(int status, string type, string title, string detail) => new()
    {
        Status = status,
        Type = TypePrefix + type,
        Title = title,
        Detail = detail,
    };

    public static IResult Result(int status, string type, string title, string detail) =>
        Results.Problem(Create(status, type, title, detail));

    public static async Task WriteAsync(HttpContext context, int status, string type, string title, string detail)
    {
        context.Response.StatusCode = status;
        var writer = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        var problem = new ProblemDetailsContext { HttpContext = context, ProblemDetails = Create(status, type, title, detail) };
        if (!await writer.TryWriteAsync(problem))
        {
            // The request accepts only another type (a statement asked for as text/csv): its refusal is still a problem
            // document, never a 500 for want of a writer.
            await context.Response.WriteAsJsonAsync(problem.ProblemDetails, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json");
        }
    }
}
