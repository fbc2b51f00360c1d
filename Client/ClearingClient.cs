using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace ClearingCluster.Client;

/// <summary>
/// The Gateway's HTTP API as typed async methods, one per operation (named after its <c>operationId</c>). Refusals
/// throw <see cref="ClearingProblemException"/>. Requests that are safe to repeat are repeated with backoff when their
/// outcome is in doubt, sending the same body, so the Gateway's keys (<c>clientOrderId</c>, usage
/// <c>(producer, sequence)</c>, a deposit's <c>reference</c>) make the repeat return the first outcome.
/// </summary>
public sealed partial class ClearingClient : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly HttpStatusCode[] InDoubt = [HttpStatusCode.BadGateway, HttpStatusCode.ServiceUnavailable, HttpStatusCode.GatewayTimeout];

    private readonly HttpClient http;
    private readonly bool ownsHttp;
    private readonly ResiliencePipeline<HttpResponseMessage> repeating;
    private readonly ResiliencePipeline<HttpResponseMessage> once;

    /// <summary>A client of its own over <paramref name="baseAddress"/>, presenting <paramref name="apiKey"/> (none for the open routes).</summary>
    public ClearingClient(Uri baseAddress, string? apiKey, ClearingClientOptions? options = null)
        : this(new HttpClient { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan }, options, ownsHttp: true)
    {
        if (apiKey is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }
    }

    /// <summary>Over an <see cref="HttpClient"/> the caller configured (base address, key, handlers); the caller keeps owning it.</summary>
    public ClearingClient(HttpClient http, ClearingClientOptions? options = null)
        : this(http, options, ownsHttp: false)
    {
    }

    private ClearingClient(HttpClient http, ClearingClientOptions? options, bool ownsHttp)
    {
        ArgumentNullException.ThrowIfNull(http.BaseAddress, "http.BaseAddress");
        this.http = http;
        this.ownsHttp = ownsHttp;
        var settings = options ?? new ClearingClientOptions();
        once = new ResiliencePipelineBuilder<HttpResponseMessage>().AddTimeout(settings.AttemptTimeout).Build();
        // No repeats at all (RetryAttemptsMax 0) is a client that reports every outcome as it came.
        repeating = settings.RetryAttemptsMax == 0 ? once : new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = settings.RetryAttemptsMax,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.RetryDelay,
                MaxDelay = settings.RetryDelayMax,
                ShouldHandle = args => ValueTask.FromResult(IsInDoubt(args.Outcome, args.Context.CancellationToken)),
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Result?.Headers.RetryAfter?.Delta is { } after ? (TimeSpan?)Min(after, settings.RetryDelayMax) : null),
                OnRetry = args =>
                {
                    settings.OnRepeat?.Invoke(args.AttemptNumber + 1);
                    args.Outcome.Result?.Dispose();
                    return default;
                },
            })
            .AddTimeout(settings.AttemptTimeout)
            .Build();
    }

    public void Dispose()
    {
        if (ownsHttp)
        {
            http.Dispose();
        }
    }

    private static bool IsInDoubt(Outcome<HttpResponseMessage> outcome, CancellationToken cancellation) => outcome switch
    {
        { Result: { } response } => InDoubt.Contains(response.StatusCode),
        { Exception: HttpRequestException or TimeoutRejectedException } => true,
        // HttpClient's own timeout, not the caller giving up.
        { Exception: TaskCanceledException } => !cancellation.IsCancellationRequested,
        _ => false,
    };

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private Task<T> GetAsync<T>(string path, CancellationToken cancellationToken) =>
        SendAsync<T>(() => new HttpRequestMessage(HttpMethod.Get, path), Repeat.Safe, cancellationToken);

    /// <summary>A read answered as text in <paramref name="mediaType"/> (CSV, say) rather than JSON.</summary>
    private Task<string> GetTextAsync(string path, string mediaType, CancellationToken cancellationToken) =>
        SendAsync<string>(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(mediaType));
            return request;
        }, Repeat.Safe, cancellationToken);

    private Task<T> PostAsync<T>(string path, object? body, Repeat repeat, CancellationToken cancellationToken) =>
        SendAsync<T>(() => new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body, body.GetType(), options: Json) },
            repeat, cancellationToken);

    private Task<T> DeleteAsync<T>(string path, Repeat repeat, CancellationToken cancellationToken) =>
        SendAsync<T>(() => new HttpRequestMessage(HttpMethod.Delete, path), repeat, cancellationToken);

    /// <summary>One request, built afresh for each attempt (a message is sent once); the answer read as <typeparamref name="T"/>.</summary>
    private async Task<T> SendAsync<T>(Func<HttpRequestMessage> request, Repeat repeat, CancellationToken cancellationToken)
    {
        var pipeline = repeat == Repeat.Safe ? repeating : once;
        using var response = await pipeline.ExecuteAsync(async token =>
        {
            using var message = request();
            return await http.SendAsync(message, HttpCompletionOption.ResponseContentRead, token);
        }, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await ProblemAsync(response, cancellationToken);
        }
        if (typeof(T) == typeof(string))
        {
            return (T)(object)await response.Content.ReadAsStringAsync(cancellationToken);
        }
        return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
            ?? throw new InvalidOperationException($"the Gateway answered {(int)response.StatusCode} with no body");
    }

    private static async Task<ClearingProblemException> ProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var retryAfter = response.Headers.RetryAfter?.Delta;
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            var problem = JsonSerializer.Deserialize<Problem>(body, Json);
            if (problem?.Type is { } type)
            {
                return new ClearingProblemException(response.StatusCode, type, problem.Title, problem.Detail, retryAfter);
            }
        }
        catch (JsonException)
        {
            // Not problem+json (a proxy's page, say): reported as what it is below.
        }
        return new ClearingProblemException(response.StatusCode, $"about:blank#{(int)response.StatusCode}", response.ReasonPhrase,
            body.Length > 500 ? body[..500] : body, retryAfter);
    }

    private static string Segment(string value) => Uri.EscapeDataString(value);

    /// <summary>A path with the query parameters that have a value.</summary>
    private static string Query(string path, params (string Name, object? Value)[] parameters)
    {
        var given = parameters.Where(p => p.Value is not null).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value switch
        {
            DateTimeOffset at => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture),
            IFormattable number => number.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
            var other => other!.ToString()!,
        })}").ToList();
        return given.Count == 0 ? path : $"{path}?{string.Join('&', given)}";
    }

    private sealed record Problem(string? Type, string? Title, string? Detail, int? Status);
}
