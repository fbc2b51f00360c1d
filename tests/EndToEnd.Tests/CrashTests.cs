using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ClearingCluster.TestSupport;

namespace ClearingCluster.EndToEnd.Tests;

/// <summary>
/// The Gateway process under usage load is killed with SIGKILL at a random moment, three times, and restarted on
/// the same data. Afterwards every batch ever sent is replayed: an acknowledged one must come back as a
/// duplicate with its first answer; an unacknowledged one is either a duplicate or counted now; and storage must
/// hold every accepted record exactly once.
/// </summary>
public sealed class CrashTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Producers = 4;
    private const int RecordsPerBatch = 50;

    private sealed record Sent(string Producer, long Sequence, string Body, int? AcknowledgedAccepted);

    [Fact]
    public async Task Killed_mid_load_no_acknowledged_record_is_lost_and_none_is_counted_twice()
    {
        var configuration = AppContext.BaseDirectory.Contains("/bin/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        await using var gateway = await GatewayProcess.StartAsync(configuration);
        var random = new Random(674386);
        var (contract, at, gatewayKey, buyerKey) = await SetUpAsync(gateway);
        var sent = new ConcurrentBag<Sent>();
        var sequences = new long[Producers];

        for (var round = 0; round < 3; round++)
        {
            using var stop = new CancellationTokenSource();
            var load = Enumerable.Range(0, Producers).Select(p => Task.Run(() => ProduceAsync(gateway, gatewayKey, p, contract, at, sequences, sent, stop.Token))).ToArray();
            await Task.Delay(random.Next(300, 1500));
            await gateway.KillAsync();
            stop.Cancel();
            await Task.WhenAll(load);
            await gateway.RestartAsync();
        }

        using var client = gateway.Client(gatewayKey);
        long acceptedRecords = 0;
        int acknowledged = 0, unacknowledgedButDurable = 0, unacknowledgedCountedNow = 0;
        foreach (var batch in sent.OrderBy(s => s.Producer).ThenBy(s => s.Sequence))
        {
            var replay = await client.PostAsync("/v1/usage", new StringContent(batch.Body, Encoding.UTF8, "application/json"));
            var answer = JsonDocument.Parse(await replay.Content.ReadAsStringAsync()).RootElement;
            Assert.True(replay.IsSuccessStatusCode, answer.ToString());
            var accepted = answer.GetProperty("accepted").GetInt32();
            if (batch.AcknowledgedAccepted is { } first)
            {
                acknowledged++;
                Assert.True(answer.GetProperty("duplicate").GetBoolean(), $"acknowledged batch {batch.Producer}/{batch.Sequence} was not found durable");
                Assert.Equal(first, accepted);
            }
            else if (answer.GetProperty("duplicate").GetBoolean())
            {
                unacknowledgedButDurable++;
            }
            else
            {
                unacknowledgedCountedNow++;
            }
            acceptedRecords += accepted;
        }

        output.WriteLine($"batches sent {sent.Count}: acknowledged {acknowledged}, unacknowledged but durable {unacknowledgedButDurable}, unacknowledged and counted on replay {unacknowledgedCountedNow}");
        Assert.True(acknowledged > 0, "the load made no progress before the kills");
        using var buyer = gateway.Client(buyerKey);
        var used = (await buyer.GetFromJsonAsync<JsonElement>($"/v1/contracts/{contract}")).GetProperty("used").GetInt64();
        Assert.Equal(acceptedRecords, used);
        Assert.Equal(sent.Count * RecordsPerBatch, acceptedRecords);
    }

    private static async Task ProduceAsync(GatewayProcess gateway, string key, int producer, string contract, DateTimeOffset at, long[] sequences, ConcurrentBag<Sent> sent,
        CancellationToken stop)
    {
        using var client = gateway.Client(key, 1);
        while (!stop.IsCancellationRequested)
        {
            var sequence = Interlocked.Increment(ref sequences[producer]);
            var body = JsonSerializer.Serialize(new
            {
                producer = $"gw-{producer}",
                sequence,
                records = Enumerable.Range(0, RecordsPerBatch).Select(i => new { callId = $"{producer}-{sequence}-{i}", contract, at, units = 1 }),
            });
            int? accepted = null;
            try
            {
                var response = await client.PostAsync("/v1/usage", new StringContent(body, Encoding.UTF8, "application/json"), CancellationToken.None);
                if (response.IsSuccessStatusCode)
                {
                    accepted = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accepted").GetInt32();
                }
            }
            catch (Exception error) when (error is HttpRequestException or IOException or TaskCanceledException)
            {
                // The process died under this request: not acknowledged.
            }
            sent.Add(new Sent($"gw-{producer}", sequence, body, accepted));
            if (accepted is null)
            {
                return;
            }
        }
    }

    /// <summary>A provider, a buyer with a contract for 10⁸ calls, and an exchange gateway's key to report usage with; also the cluster tests'.</summary>
    internal static async Task<(string Contract, DateTimeOffset At, string GatewayKey, string BuyerKey)> SetUpAsync(GatewayProcess gateway)
    {
        using var admin = gateway.Client(gateway.AdminKey);
        async Task<string> MemberAsync(string id, string role)
        {
            (await admin.PostAsJsonAsync("/v1/participants", new { id, name = id, roles = new[] { role }, tier = 1 })).EnsureSuccessStatusCode();
            (await admin.PostAsync($"/v1/participants/{id}/approve", null)).EnsureSuccessStatusCode();
            var issued = await (await admin.PostAsync($"/v1/participants/{id}/keys", null)).Content.ReadFromJsonAsync<JsonElement>();
            return issued.GetProperty("key").GetString()!;
        }
        var providerKey = await MemberAsync("prov", "provider");
        var buyerKey = await MemberAsync("buyer", "buyer");
        var gatewayKey = await MemberAsync("apigw", "gateway");
        (await admin.PostAsJsonAsync("/v1/accounts/buyer/deposits", new { amount = 900_000_000_000L, reference = "f" })).EnsureSuccessStatusCode();
        using var provider = gateway.Client(providerKey);
        using var buyer = gateway.Client(buyerKey);
        (await provider.PostAsJsonAsync("/v1/products", new
        {
            id = "crash-api", provider = "prov", name = "Crash API", kind = "api", unit = "call", category = "geo", scenarios = new[] { "s" }, delivery = "api",
        })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync("/v1/products/crash-api/review", new { approve = true, note = "" })).EnsureSuccessStatusCode();
        (await provider.PostAsJsonAsync("/v1/orders", new { clientOrderId = "s", participant = "prov", product = "crash-api", side = "sell", price = 1, quantity = 100_000_000 })).EnsureSuccessStatusCode();
        using var placed = await buyer.PostAsJsonAsync("/v1/orders", new
        {
            clientOrderId = "b", participant = "buyer", product = "crash-api", side = "buy", price = 1, quantity = 100_000_000, scenario = "s", validityDays = 30,
        });
        // Kestrel's own framing: an order's answer goes out whole with its length, not as chunks (a second write each).
        Assert.NotEqual(true, placed.Headers.TransferEncodingChunked);
        Assert.True(placed.Content.Headers.ContentLength > 0);
        var order = await placed.Content.ReadFromJsonAsync<JsonElement>();
        var contract = order.GetProperty("contracts")[0].GetString()!;
        var validFrom = (await buyer.GetFromJsonAsync<JsonElement>($"/v1/contracts/{contract}")).GetProperty("validFrom").GetDateTimeOffset();
        return (contract, validFrom.AddSeconds(1), gatewayKey, buyerKey);
    }
}
