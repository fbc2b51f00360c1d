using ClearingCluster.Interfaces.Participants;
using System.Security.Claims;
using System.Text.Encodings.Web;
using ClearingCluster.Gateway.Errors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace ClearingCluster.Gateway.Auth;

/// <summary>
/// <c>Authorization: Bearer &lt;api key&gt;</c>. A known, unrevoked key becomes a principal with its participant
/// and roles; anything else is anonymous, refused with 401 problem+json by routes that need a key.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyStore keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.Fail("the Authorization header must be 'Bearer <api key>'");
        }
        var key = header["Bearer ".Length..].Trim();
        if (key.Length is 0 or > ApiKey.LengthMax)
        {
            return AuthenticateResult.Fail("the API key is malformed");
        }

        var owner = await keys.FindAsync(key, Context.RequestAborted);
        if (owner is null)
        {
            return AuthenticateResult.Fail("the API key is unknown or revoked");
        }

        var claims = new List<Claim> { new(CallerExtensions.ParticipantClaim, owner.Participant), new(ClaimTypes.Name, owner.Participant) };
        claims.AddRange(owner.Roles.Select(r => new Claim(ClaimTypes.Role, r)));
        var identity = new ClaimsIdentity(claims, SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        var failure = (await HandleAuthenticateOnceSafeAsync()).Failure?.Message;
        await Problems.WriteAsync(Context, StatusCodes.Status401Unauthorized, "unauthenticated", "Authentication required",
            failure ?? "send 'Authorization: Bearer <api key>'");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.WriteAsync(Context, StatusCodes.Status403Forbidden, "forbidden", "Forbidden",
            "this API key's roles do not allow this request");
}
