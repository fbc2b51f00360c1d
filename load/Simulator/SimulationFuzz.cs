using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ClearingCluster.Wire;

namespace ClearingCluster.Load.Simulator;

/// <summary>One fuzzed request's outcome that broke a rule: what was sent, what came back.</summary>
public sealed record FuzzViolation(string Kind, string Method, string Path, int Status, string Detail);

/// <summary>How a fuzz run went: requests per kind and per status, and the violations.</summary>
public sealed record FuzzResult(int Requests, IReadOnlyDictionary<string, int> ByKind, IReadOnlyDictionary<int, int> ByStatus, IReadOnlyList<FuzzViolation> Violations,
    IReadOnlyList<string> StateChanges);

/// <summary>
/// Bad requests over the API, every one built so that it cannot succeed: random bearer tokens, a member's key on staff
/// routes, another member's data, bodies truncated, with a number where text belongs, with huge, negative or fractional
/// numbers, a property twice, invalid UTF-8, an unsupported media type or an oversized body, unknown ids, and replays of a
/// usage batch already counted. Every answer must be below 500, a refusal must be problem+json, a replay must say
/// <c>duplicate</c>; and at the end nothing may have changed: the money, the ledger's head, the participants.
/// </summary>
public sealed class SimulationFuzz(SimulationWorld world, Func<string?, HttpClient> httpFor, string adminKey, int seed)
{
    private const int ViolationsKept = 50;
    private static readonly string[] Kinds =
        ["random_token", "wrong_role", "other_member", "truncated", "type_flip", "huge_number", "negative", "fractional", "duplicate_property",
         "invalid_utf8", "media_type", "oversized", "unknown_id", "usage_replay", "binary_garbage"];

    public async Task<FuzzResult> RunAsync(int requests, int concurrency, CancellationToken cancellationToken)
    {
        var buyer = world.Buyers[0];
        var other = world.Buyers[1];
        var buyerKey = world.KeyOf(buyer.Id);
        var product = world.Products[0].Id;
        var replay = await CountedBatchAsync();
        var before = await StateAsync();

        var byKind = new Dictionary<string, int>();
        var byStatus = new Dictionary<int, int>();
        var violations = new List<FuzzViolation>();
        var next = -1;
        using var admin = httpFor(adminKey);
        using var member = httpFor(buyerKey);
        using var gateway = httpFor(world.KeyOf(world.Gateway.Id));
        using var anonymous = httpFor(null);

        async Task WorkerAsync(int worker)
        {
            var random = new Random(seed + worker);
            while (Interlocked.Increment(ref next) < requests)
            {
                var kind = Kinds[random.Next(Kinds.Length)];
                var (client, method, path, content, replayed) = Build(kind, random, buyer.Id, other.Id, product, replay, member, admin, gateway, anonymous);
                using var request = new HttpRequestMessage(method, path) { Content = content };
                if (kind == "random_token")
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", RandomToken(random));
                }
                if (kind == "oversized")
                {
                    request.Headers.ExpectContinue = true;
                }
                int status;
                string? problem = null;
                try
                {
                    using var response = await client.SendAsync(request, cancellationToken);
                    status = (int)response.StatusCode;
                    var body = await response.Content.ReadAsStringAsync(cancellationToken);
                    problem = Check(response, body, replayed);
                }
                catch (HttpRequestException error) when (kind == "oversized")
                {
                    // The server may refuse an oversized body by closing the connection before reading it.
                    status = 413;
                    _ = error;
                }
                lock (byKind)
                {
                    byKind[kind] = byKind.GetValueOrDefault(kind) + 1;
                    byStatus[status] = byStatus.GetValueOrDefault(status) + 1;
                    if (problem is not null && violations.Count < ViolationsKept)
                    {
                        violations.Add(new FuzzViolation(kind, method.Method, path, status, problem));
                    }
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(w => Task.Run(() => WorkerAsync(w), cancellationToken)));
        var after = await StateAsync();
        var changes = before.Zip(after).Where(p => p.First != p.Second).Select(p => $"state changed: {p.First} → {p.Second}").ToList();
        return new FuzzResult(Math.Min(requests, next), byKind, byStatus, violations, changes);
    }

    /// <summary>Null when the answer keeps the rules; else what is wrong with it.</summary>
    private static string? Check(HttpResponseMessage response, string body, bool replayed)
    {
        var status = (int)response.StatusCode;
        if (status >= 500)
        {
            return $"a server error: {Snippet(body)}";
        }
        if (replayed)
        {
            return status == 200 && body.Contains("\"duplicate\":true", StringComparison.Ordinal) ? null : $"a replay not answered as a duplicate: {Snippet(body)}";
        }
        if (status < 400)
        {
            return $"a bad request succeeded: {Snippet(body)}";
        }
        return response.Content.Headers.ContentType?.MediaType == "application/problem+json" ? null : $"a refusal not in problem+json: {Snippet(body)}";
    }

    private (HttpClient Client, HttpMethod Method, string Path, HttpContent? Content, bool Replayed) Build(string kind, Random random, string buyer, string other,
        string product, UsageBatchRequest replay, HttpClient member, HttpClient admin, HttpClient gateway, HttpClient anonymous)
    {
        var order = JsonSerializer.Serialize(new { clientOrderId = "fz" + random.Next(), participant = buyer, product, side = "buy", price = 10, quantity = 5, scenario = "sim" });
        switch (kind)
        {
            case "random_token":
                return (anonymous, random.Next(2) == 0 ? HttpMethod.Get : HttpMethod.Post, random.Next(2) == 0 ? $"/v1/accounts/{buyer}" : "/v1/orders", Json(order), false);
            case "wrong_role":
                return random.Next(4) switch
                {
                    0 => (member, HttpMethod.Post, $"/v1/accounts/{buyer}/deposits", Json("""{"amount":1000,"reference":"fz"}"""), false),
                    1 => (member, HttpMethod.Post, $"/v1/participants/{other}/approve", null, false),
                    2 => (member, HttpMethod.Post, "/v1/clearing/cycles/cutoff", null, false),
                    _ => (member, HttpMethod.Post, "/v1/vouchers", Json($$"""{"id":"fzv","participant":"{{buyer}}","amount":5,"categories":["sim"],"expires":"2030-01-01T00:00:00Z","reference":"fz"}"""), false),
                };
            case "other_member":
                return random.Next(3) switch
                {
                    0 => (member, HttpMethod.Get, $"/v1/accounts/{other}", null, false),
                    1 => (member, HttpMethod.Post, "/v1/orders", Json(order.Replace(buyer, other, StringComparison.Ordinal)), false),
                    _ => (member, HttpMethod.Get, $"/v1/participants/{other}/contracts", null, false),
                };
            case "truncated":
                return (member, HttpMethod.Post, "/v1/orders", Json(order[..random.Next(1, order.Length - 1)]), false);
            case "type_flip":
                return (member, HttpMethod.Post, "/v1/orders", Json(order.Replace("\"quantity\":5", "\"quantity\":\"five\"", StringComparison.Ordinal)), false);
            case "huge_number":
                return (member, HttpMethod.Post, "/v1/orders", Json(order.Replace("\"quantity\":5", "\"quantity\":1e30", StringComparison.Ordinal)), false);
            case "negative":
                return (member, HttpMethod.Post, "/v1/orders", Json(order.Replace("\"quantity\":5", "\"quantity\":-5", StringComparison.Ordinal)), false);
            case "fractional":
                return (member, HttpMethod.Post, "/v1/orders", Json(order.Replace("\"price\":10", "\"price\":10.5", StringComparison.Ordinal)), false);
            case "duplicate_property":
                return (member, HttpMethod.Post, "/v1/orders", Json(order.Replace("\"quantity\":5", "\"quantity\":5,\"quantity\":6", StringComparison.Ordinal)), false);
            case "invalid_utf8":
            {
                // Bad bytes inside a string value: of an order, a usage record (JSON and NDJSON), a product submission.
                var contract = world.Contracts[0];
                var sequence = random.Next();
                var (client, path, body, mediaType) = random.Next(4) switch
                {
                    0 => (member, "/v1/orders", order, "application/json"),
                    1 => (gateway, "/v1/usage",
                        "{\"producer\":\"fz\",\"sequence\":" + sequence + ",\"records\":[{\"callId\":\"fz\",\"contract\":\"" + contract + "\",\"at\":\"2026-01-01T00:00:00Z\",\"units\":1}]}",
                        "application/json"),
                    2 => (gateway, "/v1/usage",
                        "{\"producer\":\"fz\",\"sequence\":" + sequence + "}\n{\"callId\":\"fz\",\"contract\":\"" + contract + "\",\"at\":\"2026-01-01T00:00:00Z\",\"units\":1}",
                        UsageFormats.Ndjson),
                    _ => (member, "/v1/products",
                        "{\"id\":\"fz\",\"provider\":\"" + buyer + "\",\"name\":\"fz\",\"kind\":\"api\",\"unit\":\"call\",\"category\":\"sim\",\"scenarios\":[\"sim\"],\"delivery\":\"api\"}",
                        "application/json"),
                };
                var bytes = Encoding.UTF8.GetBytes(body).ToList();
                bytes.InsertRange(bytes.IndexOf((byte)'f') + 1, new byte[] { 0xC3, 0x28, 0xFF });
                var content = new ByteArrayContent([.. bytes]);
                content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
                return (client, HttpMethod.Post, path, content, false);
            }
            case "media_type":
                return (member, HttpMethod.Post, "/v1/orders", new StringContent(order, Encoding.UTF8, "text/plain"), false);
            case "oversized":
            {
                // Over the Gateway's body limit (1 MiB by default), whatever the route takes.
                var content = new ByteArrayContent(new byte[3 * 1024 * 1024]);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                return random.Next(2) == 0 ? (member, HttpMethod.Post, "/v1/orders", content, false) : (admin, HttpMethod.Post, "/v1/participants", content, false);
            }
            case "unknown_id":
                return random.Next(4) switch
                {
                    0 => (member, HttpMethod.Get, $"/v1/orders/{product}:{random.Next(1_000_000, int.MaxValue)}", null, false),
                    1 => (member, HttpMethod.Get, "/v1/contracts/K-nothing-" + random.Next(), null, false),
                    2 => (member, HttpMethod.Delete, $"/v1/orders/{product}:{random.Next(1_000_000, int.MaxValue)}", null, false),
                    _ => (admin, HttpMethod.Get, $"/v1/accounts/{buyer}/statements/c{random.Next(1_000_000, int.MaxValue)}", null, false),
                };
            case "usage_replay":
                return (gateway, HttpMethod.Post, "/v1/usage", Json(JsonSerializer.Serialize(replay, new JsonSerializerOptions(JsonSerializerDefaults.Web))), true);
            default:
            {
                var garbage = new byte[random.Next(1, 200)];
                random.NextBytes(garbage);
                var content = new ByteArrayContent(garbage);
                content.Headers.ContentType = new MediaTypeHeaderValue(UsageFormats.Binary);
                return (gateway, HttpMethod.Post, "/v1/usage", content, false);
            }
        }
    }

    /// <summary>A usage batch counted once before the fuzz: replaying it must change nothing.</summary>
    private async Task<UsageBatchRequest> CountedBatchAsync()
    {
        var batch = new UsageBatchRequest($"fuzz-replay-{seed}", 1, [new UsageRecordRequest($"fuzz-call-{seed}", world.Contracts[0], DateTimeOffset.UtcNow, 1)]);
        await world.Gateway.Client.SubmitUsageAsync(batch);
        return batch;
    }

    /// <summary>What must not move: all money, the ledger's head, the participants, the first contract's use.</summary>
    private async Task<string[]> StateAsync()
    {
        // Contracts are put on the ledger just behind trading: asking for their evidence waits for it, so the head is still.
        foreach (var contract in world.Contracts)
        {
            await world.Admin.GetContractEvidenceAsync(contract);
        }
        var (money, _) = await SimulationChecks.MoneyAsync(world.Admin);
        var head = (await world.Admin.VerifyLedgerAsync()).Head.Seq;
        var participants = 0;
        string? cursor = null;
        do
        {
            var page = await world.Admin.ListParticipantsAsync(cursor: cursor, limit: 200);
            participants += page.Items.Count;
            cursor = page.Next;
        }
        while (cursor is not null);
        var used = (await world.Admin.GetContractAsync(world.Contracts[0])).Used;
        return [$"money {money} µ¥", $"ledger head {head}", $"{participants} participants", $"contract {world.Contracts[0]} used {used}"];
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static string RandomToken(Random random)
    {
        var bytes = new byte[32];
        random.NextBytes(bytes);
        return random.Next(2) == 0 ? "cck_" + Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_') : Convert.ToHexString(bytes);
    }

    private static string Snippet(string body) => body.Length <= 200 ? body : body[..200] + "…";
}
