using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClearingCluster.TestSupport;

namespace ClearingCluster.EndToEnd.Tests;

/// <summary>
/// The Gateway process under mixed order load (buys, sells, IOCs, cancels, a gateway's batches for two members) is
/// killed with SIGKILL at random moments, three times, and restarted on the same data. Then every order ever sent is
/// sent again with its clientOrderId, as a client that lost its answers would, and every invariant is checked from
/// the API: acknowledged orders and their contracts are all there and answer the same, a repeat never holds twice,
/// no money is created or lost, held is exactly the value of the resting buys, escrow exactly the value of the
/// contracts, the books and accounts reconcile, and the ledger (Merkle roots included) verifies.
/// </summary>
public sealed class TradingCrashTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const long Deposit = 50_000_000_000;
    private static readonly string[] Products = ["crash-a", "crash-b"];
    private static readonly string[] Buyers = ["buyer-1", "buyer-2", "buyer-3"];

    /// <summary>An order as sent: who sent it, its body, and what the first answer said (null: no answer came).</summary>
    private sealed record SentOrder(string Sender, string Participant, string ClientOrderId, JsonElement Body, string? AcknowledgedId,
        long AcknowledgedFilled, string[] AcknowledgedContracts);

    private sealed record World(Dictionary<string, string> Keys);

    [Fact]
    public async Task Killed_mid_trading_every_acknowledged_order_and_contract_survives_and_money_reconciles()
    {
        var configuration = AppContext.BaseDirectory.Contains("/bin/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        await using var gateway = await GatewayProcess.StartAsync(configuration);
        var world = await SetUpAsync(gateway);
        var random = new Random(20261122);
        var sent = new ConcurrentQueue<SentOrder>();
        var cancels = new ConcurrentQueue<(string Sender, string OrderId)>();

        for (var round = 0; round < 3; round++)
        {
            using var stop = new CancellationTokenSource();
            var load = new[]
            {
                Task.Run(() => TradeAsync(gateway, world, "prov", round, 1, sent, cancels, stop.Token)),
                Task.Run(() => TradeAsync(gateway, world, "buyer-1", round, 2, sent, cancels, stop.Token)),
                Task.Run(() => TradeAsync(gateway, world, "buyer-2", round, 3, sent, cancels, stop.Token)),
                Task.Run(() => GatewayBatchesAsync(gateway, world, round, sent, stop.Token)),
            };
            await Task.Delay(random.Next(400, 1500));
            await gateway.KillAsync();
            stop.Cancel();
            await Task.WhenAll(load);
            await gateway.RestartAsync();
        }

        // Everything again, the same clientOrderIds: an acknowledged order answers as itself; the rest land once.
        var orderIds = new HashSet<string>();
        int acknowledged = 0, unacknowledged = 0;
        foreach (var order in sent)
        {
            using var client = gateway.Client(world.Keys[order.Sender], 1);
            var response = await client.PostAsJsonAsync("/v1/orders", order.Body);
            var answer = await Exchange.Ok(response, HttpStatusCode.Created);
            var id = answer.GetProperty("orderId").GetString()!;
            if (order.AcknowledgedId is { } first)
            {
                acknowledged++;
                Assert.Equal(first, id);
            }
            else
            {
                unacknowledged++;
            }
            Assert.True(orderIds.Add(id), $"two clientOrderIds answered with the same order {id}");
        }
        foreach (var (sender, orderId) in cancels)
        {
            using var client = gateway.Client(world.Keys[sender], 1);
            var response = await client.DeleteAsync($"/v1/orders/{orderId}");
            Assert.True(response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.Conflict, await response.Content.ReadAsStringAsync());
        }
        output.WriteLine($"orders sent {sent.Count}: acknowledged {acknowledged}, unacknowledged {unacknowledged}; cancels {cancels.Count}");
        Assert.True(acknowledged > 0, "the load made no progress before the kills");

        using var admin = gateway.Client(gateway.AdminKey);
        var orders = new Dictionary<string, JsonElement>();
        foreach (var id in orderIds)
        {
            orders[id] = await Exchange.Ok(await admin.GetAsync($"/v1/orders/{id}"));
        }

        // What an acknowledgement said stays true: the order exists, its fills and contracts only grew.
        foreach (var order in sent.Where(o => o.AcknowledgedId is not null))
        {
            var now = orders[order.AcknowledgedId!];
            Assert.True(now.GetProperty("filled").GetInt64() >= order.AcknowledgedFilled, $"{order.AcknowledgedId} lost fills");
            var contracts = now.GetProperty("contracts").EnumerateArray().Select(c => c.GetString()).ToHashSet();
            Assert.All(order.AcknowledgedContracts, c => Assert.Contains(c, contracts));
        }

        // Every contract exists, and each buyer's escrow is exactly what its contracts captured.
        var escrowByBuyer = Buyers.ToDictionary(b => b, _ => 0L);
        var contractIds = new HashSet<string>();
        foreach (var order in orders.Values.Where(o => o.GetProperty("side").GetString() == "buy"))
        {
            long quota = 0;
            foreach (var contractId in order.GetProperty("contracts").EnumerateArray().Select(c => c.GetString()!))
            {
                var contract = await Exchange.Ok(await admin.GetAsync($"/v1/contracts/{contractId}"));
                Assert.True(contractIds.Add(contractId));
                escrowByBuyer[contract.GetProperty("buyer").GetString()!] += contract.GetProperty("escrow").GetInt64();
                quota += contract.GetProperty("quota").GetInt64();
            }
            Assert.Equal(order.GetProperty("filled").GetInt64(), quota);
        }

        foreach (var buyer in Buyers)
        {
            var account = await Exchange.Ok(await admin.GetAsync($"/v1/accounts/{buyer}"));
            var (available, held, escrow) = (account.GetProperty("available").GetInt64(), account.GetProperty("held").GetInt64(), account.GetProperty("escrow").GetInt64());
            var restingBuys = orders.Values.Where(o => o.GetProperty("participant").GetString() == buyer && o.GetProperty("side").GetString() == "buy"
                    && o.GetProperty("status").GetString() is "resting" or "partially_filled")
                .Sum(o => o.GetProperty("remaining").GetInt64() * o.GetProperty("price").GetInt64());
            Assert.True(restingBuys == held, $"{buyer}: held {held} µ¥, its resting buys are worth {restingBuys} µ¥");
            Assert.True(escrowByBuyer[buyer] == escrow, $"{buyer}: escrow {escrow} µ¥, its contracts captured {escrowByBuyer[buyer]} µ¥");
            Assert.True(available + held + escrow == Deposit, $"{buyer}: {available} + {held} + {escrow} µ¥ is not the {Deposit} µ¥ deposited");
        }

        var reconciliation = await Exchange.Ok(await admin.GetAsync("/v1/reconciliation"));
        Assert.True(reconciliation.GetProperty("ok").GetBoolean(), reconciliation.ToString());

        // The last contract of each book proves itself (its book writes any entry a crash left out), and the chain verifies.
        foreach (var last in contractIds.GroupBy(c => c[..c.LastIndexOf('-')]).Select(g => g.MaxBy(c => long.Parse(c[(c.LastIndexOf('-') + 1)..]))!))
        {
            await Exchange.Ok(await admin.GetAsync($"/v1/contracts/{last}/evidence"));
        }
        var verified = await Exchange.Ok(await admin.GetAsync("/v1/ledger/verify"));
        Assert.True(verified.GetProperty("ok").GetBoolean(), verified.ToString());
        output.WriteLine($"{orders.Count} orders, {contractIds.Count} contracts, {verified.GetProperty("entries").GetInt64()} ledger entries");
    }

    /// <summary>One participant's closed loop of single orders: quotes, bids, IOCs, and cancels of what it has resting.</summary>
    private static async Task TradeAsync(GatewayProcess gateway, World world, string participant, int round, int seed, ConcurrentQueue<SentOrder> sent,
        ConcurrentQueue<(string, string)> cancels, CancellationToken stop)
    {
        var random = new Random(seed * 1_000 + round);
        using var client = gateway.Client(world.Keys[participant], 1);
        var resting = new List<string>();
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            try
            {
                if (resting.Count > 0 && random.Next(5) == 0)
                {
                    var orderId = resting[random.Next(resting.Count)];
                    resting.Remove(orderId);
                    cancels.Enqueue((participant, orderId));
                    await client.DeleteAsync($"/v1/orders/{orderId}", CancellationToken.None);
                    continue;
                }
                var body = Order(participant, $"{participant}-{round}-{n}", random);
                var answer = await SendAsync(client, participant, body, sent);
                if (answer is { } placed && placed.GetProperty("status").GetString() is "resting" or "partially_filled")
                {
                    resting.Add(placed.GetProperty("orderId").GetString()!);
                }
            }
            catch (Exception error) when (error is HttpRequestException or IOException or TaskCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>A gateway entering batches for an authorised buyer and the provider; each order is recorded with its own answer.</summary>
    private static async Task GatewayBatchesAsync(GatewayProcess gateway, World world, int round, ConcurrentQueue<SentOrder> sent, CancellationToken stop)
    {
        var random = new Random(7_000 + round);
        using var client = gateway.Client(world.Keys["apigw"], 1);
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var bodies = Enumerable.Range(0, 8).Select(i => Order(i % 3 == 0 ? "prov" : "buyer-3", $"gw-{round}-{n}-{i}", random)).ToArray();
            JsonElement? answer = null;
            try
            {
                var response = await client.PostAsJsonAsync("/v1/orders/batch", bodies, CancellationToken.None);
                answer = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>(CancellationToken.None) : null;
            }
            catch (Exception error) when (error is HttpRequestException or IOException or TaskCanceledException)
            {
            }
            for (var i = 0; i < bodies.Length; i++)
            {
                var result = answer?.GetProperty("results")[i];
                var placed = result?.GetProperty("status").GetInt32() is 200 or 201 ? result.Value.GetProperty("order") : (JsonElement?)null;
                Record(sent, "apigw", bodies[i], placed);
            }
            if (answer is null)
            {
                return;
            }
        }
    }

    private static JsonElement Order(string participant, string clientOrderId, Random random)
    {
        var product = Products[random.Next(Products.Length)];
        var quantity = random.Next(1, 41);
        object body = participant == "prov"
            ? new { clientOrderId, participant, product, side = "sell", price = (long)random.Next(95, 106), quantity }
            : new
            {
                clientOrderId, participant, product, side = "buy", price = (long)random.Next(95, 106), quantity,
                timeInForce = random.Next(6) == 0 ? "ioc" : "gtc", scenario = "s", validityDays = 30,
            };
        return JsonSerializer.SerializeToElement(body);
    }

    private static async Task<JsonElement?> SendAsync(HttpClient client, string sender, JsonElement body, ConcurrentQueue<SentOrder> sent)
    {
        JsonElement? placed = null;
        try
        {
            var response = await client.PostAsJsonAsync("/v1/orders", body, CancellationToken.None);
            if (response.IsSuccessStatusCode)
            {
                placed = await response.Content.ReadFromJsonAsync<JsonElement>(CancellationToken.None);
            }
            else
            {
                Assert.Fail($"an order was refused under load: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }
        finally
        {
            Record(sent, sender, body, placed);
        }
        return placed;
    }

    private static void Record(ConcurrentQueue<SentOrder> sent, string sender, JsonElement body, JsonElement? placed) =>
        sent.Enqueue(new SentOrder(sender, body.GetProperty("participant").GetString()!, body.GetProperty("clientOrderId").GetString()!, body,
            placed?.GetProperty("orderId").GetString(), placed?.GetProperty("filled").GetInt64() ?? 0,
            placed is { } p ? [.. p.GetProperty("contracts").EnumerateArray().Select(c => c.GetString()!)] : []));

    private static async Task<World> SetUpAsync(GatewayProcess gateway)
    {
        using var admin = gateway.Client(gateway.AdminKey);
        var keys = new Dictionary<string, string>();
        async Task MemberAsync(string id, string role)
        {
            (await admin.PostAsJsonAsync("/v1/participants", new { id, name = id, roles = new[] { role }, tier = 1 })).EnsureSuccessStatusCode();
            (await admin.PostAsync($"/v1/participants/{id}/approve", null)).EnsureSuccessStatusCode();
            var issued = await (await admin.PostAsync($"/v1/participants/{id}/keys", null)).Content.ReadFromJsonAsync<JsonElement>();
            keys[id] = issued.GetProperty("key").GetString()!;
        }
        await MemberAsync("prov", "provider");
        await MemberAsync("apigw", "gateway");
        foreach (var buyer in Buyers)
        {
            await MemberAsync(buyer, "buyer");
            (await admin.PostAsJsonAsync($"/v1/accounts/{buyer}/deposits", new { amount = Deposit, reference = "funding" })).EnsureSuccessStatusCode();
        }
        foreach (var member in new[] { "prov", "buyer-3" })
        {
            await Exchange.Ok(await admin.PostAsJsonAsync($"/v1/participants/{member}/gateways", new { gateway = "apigw" }), HttpStatusCode.Created);
        }
        using var provider = gateway.Client(keys["prov"]);
        foreach (var product in Products)
        {
            (await provider.PostAsJsonAsync("/v1/products", new
            {
                id = product, provider = "prov", name = product, kind = "api", unit = "call", category = "geo", scenarios = new[] { "s" }, delivery = "api",
            })).EnsureSuccessStatusCode();
            (await admin.PostAsJsonAsync($"/v1/products/{product}/review", new { approve = true, note = "" })).EnsureSuccessStatusCode();
        }
        return new World(keys);
    }
}
