using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ClearingCluster.Client;
using ClearingCluster.Wire;

using static ClearingCluster.EndToEnd.Tests.TypedOrders;

namespace ClearingCluster.EndToEnd.Tests;

/// <summary>
/// The commit log's bound, reached for real: a Gateway whose log takes one record at a time refuses what arrives
/// while a flush is pending with 503 and Retry-After, changes nothing for it, and the typed client's repeats with the
/// same client order ids end with every order placed once and the money reconciled.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class BackPressureTests(GatewayFixture fixture)
{
    private const int Members = 4;
    private const int OrdersEach = 15;

    [Fact]
    public async Task A_full_commit_log_refuses_with_503_and_repeats_place_every_order_once()
    {
        await using var gateway = GatewayFactory.Start(await fixture.Postgres.CreateDatabaseAsync(), GatewayFixture.AdminKey,
            settings: new Dictionary<string, string> { ["Clearing:Commit:PendingRecordsMax"] = "1" });
        var exchange = new Exchange(gateway, GatewayFixture.AdminKey);
        var (provider, providerHttp) = await exchange.MemberAsync("bprov", "provider");
        var product = await exchange.ListedProductAsync(provider, providerHttp);
        var buyers = new List<(string Id, HttpClient Http)>();
        for (var i = 0; i < Members; i++)
        {
            var buyer = await exchange.MemberAsync($"bbuy{i}", "buyer");
            await exchange.DepositAsync(buyer.Id, 10_000_000, "funding");
            buyers.Add(buyer);
        }
        OrderRequest OrderOf(int member, int n) => Buy(buyers[member].Id, product, $"bp-{n}", price: 10 + n, quantity: 5);

        // A storm of raw requests: whatever arrives while a flush is pending is refused, and says when to come back.
        var storm = await Task.WhenAll(Enumerable.Range(0, Members).SelectMany(m => Enumerable.Range(0, OrdersEach).Select(async n =>
        {
            var response = await buyers[m].Http.PostAsJsonAsync("/v1/orders", OrderOf(m, n));
            var body = await response.Content.ReadAsStringAsync();
            return (m, n, response.StatusCode, RetryAfter: response.Headers.RetryAfter?.Delta,
                Type: response.IsSuccessStatusCode ? null : JsonDocument.Parse(body).RootElement.GetProperty("type").GetString());
        })));
        var refused = storm.Where(s => s.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.Contains(refused, r => r.Type == "urn:clearing:problem:overloaded");
        Assert.All(refused, r => Assert.True(r.RetryAfter >= TimeSpan.FromSeconds(1), $"{r.Type} without Retry-After"));
        Assert.All(storm, s => Assert.True(s.StatusCode is HttpStatusCode.Created or HttpStatusCode.ServiceUnavailable,
            $"order {s.n} of member {s.m}: {(int)s.StatusCode} {s.Type}"));

        // The client repeats everything with the same client order ids, sequentially per member, as a gateway would.
        await Task.WhenAll(Enumerable.Range(0, Members).Select(async m =>
        {
            var client = new ClearingClient(buyers[m].Http, new ClearingClientOptions { RetryAttemptsMax = 20 });
            for (var n = 0; n < OrdersEach; n++)
            {
                Assert.Equal("resting", (await client.PlaceOrderAsync(OrderOf(m, n))).Status);
            }
        }));

        var staff = new ClearingClient(exchange.Admin, new ClearingClientOptions { RetryAttemptsMax = 20 });
        for (var m = 0; m < Members; m++)
        {
            var orders = (await staff.ListOrdersAsync(participant: buyers[m].Id, limit: 200)).Items;
            Assert.True(OrdersEach == orders.Count, $"member {m}: {string.Join(", ", orders.Select(o => $"{o.ClientOrderId}={o.OrderId}/{o.Status}"))}; storm: {string.Join(", ", storm.Where(x => x.m == m).Select(x => $"{x.n}:{(int)x.StatusCode}:{x.Type}"))}");
            Assert.Equal(OrdersEach, orders.Select(o => o.ClientOrderId).Distinct().Count());
            Assert.Equal(Enumerable.Range(0, OrdersEach).Sum(n => (10L + n) * 5), (await staff.GetAccountAsync(buyers[m].Id)).Held);
        }
        var reconciliation = await staff.ReconcileTradingAsync();
        Assert.True(reconciliation.Ok, string.Join("; ", reconciliation.Mismatches));
    }
}
