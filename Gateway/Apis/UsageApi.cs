using System.Security.Claims;
using ClearingCluster.Gateway.Auth;
using ClearingCluster.Gateway.OpenApi;
using ClearingCluster.Grains.Contracts;
using ClearingCluster.Grains.Metering;
using ClearingCluster.Grains.Metering.Wire;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Metering;
using ClearingCluster.Interfaces.Participants;
using ClearingCluster.Runtime;
using ClearingCluster.Wire;
using Microsoft.AspNetCore.Http.Features;

namespace ClearingCluster.Gateway.Apis;

public static class UsageApi
{
    /// <summary>A usage batch may be larger than other requests: 10,000 JSON records are about 1 MB.</summary>
    public const long BodyBytesMax = 16 * 1024 * 1024;

    public static readonly UsageLimits Limits = new();

    public static IEndpointRouteBuilder MapUsageApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/usage", SubmitAsync).WithTags("Usage").RequireAuthorization(AuthPolicies.UsageProducers)
            .Accepts<UsageBatchRequest>("application/json", "application/x-ndjson", UsageBinary.ContentType).Produces<UsageResponse>()
            .Documented("submitUsage", 400, 403, 409, 413)
            .WithSummary("Submit a batch of data-call usage (application/json, application/x-ndjson or application/vnd.clearing.usage.v1; docs/USAGE-FORMATS.md); answered once every accepted record is durable. A replayed (producer, sequence) returns the first answer; a call id the contract counted within the deduplication window is rejected as duplicate_call.");
        app.MapGet("/v1/usage/calls/{callId}", FindCallAsync).WithTags("Usage").RequireAuthorization(AuthPolicies.Authenticated)
            .Documented("findUsageCall", 400, 404)
            .WithSummary("A dispute: every time a contract counted a call id, with its cycle, time, units and producer (given at=, only the occurrences of that time, found among far fewer rows): the contract's buyer and provider, admin, regulator.");
        return app;
    }

    private static async Task<UsageCallResponse> FindCallAsync(string callId, string? contract, DateTimeOffset? at, ClaimsPrincipal user, ContractDirectory contracts,
        IUsageStore usage, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(callId) || callId.Length > Limits.CallIdLengthMax)
        {
            throw DomainException.Invalid("invalid_call_id", $"a call id is 1–{Limits.CallIdLengthMax} characters");
        }
        if (string.IsNullOrEmpty(contract))
        {
            throw DomainException.Invalid("invalid_contract", "name the contract the call was counted on: ?contract={id}");
        }
        var visible = await ContractsApi.VisibleAsync(contract, user, contracts);
        var found = await usage.FindCallAsync(visible.Terms.Id, callId, at is { } time ? UsageEnvelope.ToMicros(time) : null, cancellationToken);
        return found.Count == 0
            ? throw DomainException.NotFound("call_not_found", $"contract {contract} counted no call {callId} (in the cycles not archived)")
            : new UsageCallResponse(callId, contract, [.. found.Select(f => new UsageCallOccurrence(f.CycleId, f.At, f.Units, f.Producer, f.CommittedAt))]);
    }

    private static async Task<IResult> SubmitAsync(HttpContext context, ClaimsPrincipal user, IGrainFactory grains, MeterOptions options, MeteringMetrics metrics)
    {
        var participant = user.Participant()!;
        var profile = await grains.GetGrain<IParticipantGrain>(participant).Get();
        if (profile?.Status != ParticipantStatus.Active)
        {
            throw DomainException.Forbidden("participant_not_active", $"participant {participant} is not active and cannot submit usage");
        }

        var body = await ReadBodyAsync(context);
        UsageBatch batch;
        try
        {
            batch = context.Request.ContentType?.Split(';')[0].Trim() switch
            {
                "application/x-ndjson" => UsageNdjson.Read(body, Limits),
                UsageBinary.ContentType => UsageBinary.Read(body, Limits),
                null or "" or "application/json" => UsageJson.Read(body, Limits),
                var other => throw new BadHttpRequestException(
                    $"send application/json, application/x-ndjson or {UsageBinary.ContentType}, not {other}", StatusCodes.Status415UnsupportedMediaType),
            };
        }
        catch (UsageFormatException error)
        {
            throw DomainException.Invalid("bad_batch", error.Message);
        }

        // Producers are named per participant, so two members' producers never share a sequence space.
        var split = UsageSplit.Cut(batch, $"{participant}/{batch.Producer}", user.IsInRole(Roles.Gateway) ? null : participant, options.ShardCount);
        metrics.Received(batch.Records.Count);
        var answers = await Task.WhenAll(split.Parts.Select(p =>
            grains.GetGrain<IMeterGrain>(p.Key.ToString(System.Globalization.CultureInfo.InvariantCulture)).Apply(p.Value)));
        var answer = UsageSplit.Combine(answers, split.BadRecords);
        if (answer.Duplicate)
        {
            metrics.Replayed();
        }
        else
        {
            metrics.BadRecords(split.BadRecords.Count);
        }
        return Results.Ok(new UsageResponse(answer.Accepted,
            answer.Rejected.Count == 0 ? [] : [.. answer.Rejected.Select(r => new UsageRejectedRecord(r.Index, r.Reason))], answer.Duplicate));
    }

    private static async Task<byte[]> ReadBodyAsync(HttpContext context)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = BodyBytesMax;
        }
        if (context.Request.ContentLength > BodyBytesMax)
        {
            throw new BadHttpRequestException($"a usage batch is at most {BodyBytesMax} bytes", StatusCodes.Status413PayloadTooLarge);
        }
        if (context.Request.ContentLength is { } length)
        {
            // The usual case: read straight into an array of the body's size, no second copy.
            var body = new byte[length];
            try
            {
                await context.Request.Body.ReadExactlyAsync(body, context.RequestAborted);
            }
            catch (EndOfStreamException)
            {
                throw new BadHttpRequestException($"the body ended before its Content-Length of {length} bytes");
            }
            return body;
        }
        using var buffer = new MemoryStream(64 * 1024);
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        return buffer.ToArray();
    }
}
