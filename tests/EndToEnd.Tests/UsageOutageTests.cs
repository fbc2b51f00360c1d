using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ClearingCluster.TestSupport;

namespace ClearingCluster.EndToEnd.Tests;

public sealed class UsageOutageTests
{
    [Fact]
    public async Task With_the_database_stopped_mid_load_usage_gets_503_and_afterwards_nothing_is_lost()
    {
        var postgres = new TestPostgres();
        await postgres.InitializeAsync();
        try
        {
            await using var gateway = GatewayFactory.Start(await postgres.CreateDatabaseAsync(), GatewayFixture.AdminKey);
            var x = new Exchange(gateway, GatewayFixture.AdminKey);
            var (provider, providerClient) = await x.MemberAsync("prov", "provider");
            var (buyer, buyerClient) = await x.MemberAsync("buyer", "buyer");
            var (_, producer) = await x.MemberAsync("apigw", "gateway");
            await x.DepositAsync(buyer, 1_000_000, "f");
            var product = await x.ListedProductAsync(provider, providerClient);
            await providerClient.PostAsJsonAsync("/v1/orders", new { clientOrderId = "s", participant = provider, product, side = "sell", price = 1, quantity = 1_000 });
            var order = await Exchange.Ok(await buyerClient.PostAsJsonAsync("/v1/orders", new
            {
                clientOrderId = "b", participant = buyer, product, side = "buy", price = 1, quantity = 1_000, scenario = "credit-risk", validityDays = 30,
            }), HttpStatusCode.Created);
            var contract = order.GetProperty("contracts")[0].GetString()!;
            var at = (await Exchange.Ok(await buyerClient.GetAsync($"/v1/contracts/{contract}"))).GetProperty("validFrom").GetDateTimeOffset().AddSeconds(1);
            StringContent Batch(long sequence) => new(JsonSerializer.Serialize(new
            {
                producer = "gw", sequence, records = new[] { new { callId = $"c{sequence}", contract, at, units = 1 } },
            }), Encoding.UTF8, "application/json");

            var acknowledged = 0;
            for (var s = 1; s <= 5; s++)
            {
                await Exchange.Ok(await producer.PostAsync("/v1/usage", Batch(s)));
                acknowledged++;
            }

            await postgres.StopServerAsync();
            var refusals = new List<HttpResponseMessage>();
            for (var s = 6; s <= 8; s++)
            {
                refusals.Add(await producer.PostAsync("/v1/usage", Batch(s)));
            }
            foreach (var refused in refusals)
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
                Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
                Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
                // Whichever part noticed first (the meter, the database), the type is a catalogued 503.
                var type = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("type").GetString()!;
                Assert.Equal(503, Gateway.Errors.ProblemCatalog.Find(type.Replace("urn:clearing:problem:", ""))?.Status);
            }
            await ProblemAssert.IsProblem(await x.Anonymous.GetAsync("/health/ready"), HttpStatusCode.ServiceUnavailable, "not_ready");

            await postgres.StartServerAsync();
            // The producer retries what was refused, as Retry-After tells it, until it is taken.
            for (var s = 6; s <= 8; s++)
            {
                for (var attempt = 0; ; attempt++)
                {
                    var response = await producer.PostAsync("/v1/usage", Batch(s));
                    if (response.IsSuccessStatusCode)
                    {
                        acknowledged++;
                        break;
                    }
                    Assert.True(attempt < 60, $"usage still refused after the database returned: {(int)response.StatusCode}");
                    // What a producer does: come back when Retry-After says.
                    await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
                }
            }

            Assert.Equal(8, acknowledged);
            Assert.Equal(8, (await Exchange.Ok(await buyerClient.GetAsync($"/v1/contracts/{contract}"))).GetProperty("used").GetInt64());
            Assert.True((await Exchange.Ok(await producer.PostAsync("/v1/usage", Batch(3)))).GetProperty("duplicate").GetBoolean());
        }
        finally
        {
            await postgres.DisposeAsync();
        }
    }
}
