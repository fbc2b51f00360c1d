using System.Net.Http.Json;
using System.Text.Json;

using ClearingCluster.TestSupport;

namespace ClearingCluster.Load.Benchmarks;

/// <summary>
/// Orders through the Gateway over HTTP: each worker is a member placing orders one after another on one listed
/// product — half of the workers are buyers bidding around the mid (a third of their orders IOC, crossing), half
/// place the provider's asks. Every acknowledged order is durable (its reserve, its book change, its contracts).
/// </summary>
public static class HttpOrderBenchmark
{
    public static async Task RunAsync(BenchmarkArguments arguments)
    {
        await using var gateway = await GatewayProcess.StartAsync();
        using var admin = gateway.Client(gateway.AdminKey, 4);
        var buyers = Math.Max(1, arguments.Concurrency / 2);

        var providerKey = await MemberAsync(admin, "provider", "provider");
        var buyerKeys = new List<(string Id, string Key)>();
        for (var i = 0; i < buyers; i++)
        {
            var id = $"buyer-{i}";
            buyerKeys.Add((id, await MemberAsync(admin, id, "buyer")));
            (await admin.PostAsJsonAsync($"/v1/accounts/{id}/deposits", new { amount = 900_000_000_000L, reference = "load" })).EnsureSuccessStatusCode();
        }
        using (var provider = gateway.Client(providerKey, 1))
        {
            (await provider.PostAsJsonAsync("/v1/products", new
            {
                id = "load-api", provider = "provider", name = "Load API", kind = "api", unit = "call", category = "geo",
                scenarios = new[] { "credit-risk" }, delivery = "api",
            })).EnsureSuccessStatusCode();
        }
        (await admin.PostAsJsonAsync("/v1/products/load-api/review", new { approve = true, note = "load" })).EnsureSuccessStatusCode();

        var clients = Enumerable.Range(0, arguments.Concurrency)
            .Select(w => w % 2 == 0 && w / 2 < buyers ? gateway.Client(buyerKeys[w / 2].Key, 1) : gateway.Client(providerKey, 1))
            .ToArray();
        long sequence = 0;
        var random = new ThreadLocal<Random>(() => new Random(674386 + Environment.CurrentManagedThreadId));

        async Task PlaceAsync(int worker)
        {
            var n = Interlocked.Increment(ref sequence);
            var r = random.Value!;
            var isBuyer = worker % 2 == 0 && worker / 2 < buyers;
            object order = isBuyer
                ? new
                {
                    clientOrderId = $"o-{n}", participant = buyerKeys[worker / 2].Id, product = "load-api", side = "buy",
                    timeInForce = r.Next(3) == 0 ? "ioc" : "gtc", price = r.Next(3) == 0 ? 1_010 : 990 - r.Next(20), quantity = 1 + r.Next(50),
                    scenario = "credit-risk", validityDays = 30,
                }
                : new
                {
                    clientOrderId = $"o-{n}", participant = "provider", product = "load-api", side = "sell",
                    timeInForce = "gtc", price = 1_000 + r.Next(20), quantity = 1 + r.Next(50),
                };
            using var response = await clients[worker].PostAsJsonAsync("/v1/orders", order);
            if ((int)response.StatusCode != 201)
            {
                throw new InvalidOperationException($"order refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }

        await Measurement.ReportAsync($"orders-http (Gateway process, PostgreSQL fsync on, {buyers} buyers + provider)", arguments, () =>
            Measurement.RunAsync(arguments.Concurrency, TimeSpan.FromSeconds(arguments.Seconds), PlaceAsync, sampleLatency: true));
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    private static async Task<string> MemberAsync(HttpClient admin, string id, string role)
    {
        (await admin.PostAsJsonAsync("/v1/participants", new { id, name = id, roles = new[] { role }, tier = 1 })).EnsureSuccessStatusCode();
        (await admin.PostAsync($"/v1/participants/{id}/approve", null)).EnsureSuccessStatusCode();
        var issued = await (await admin.PostAsync($"/v1/participants/{id}/keys", null)).Content.ReadFromJsonAsync<JsonElement>();
        return issued.GetProperty("key").GetString()!;
    }
}
