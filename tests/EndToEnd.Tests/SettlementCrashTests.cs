using System.Net.Http.Json;
using System.Text.Json;
using ClearingCluster.TestSupport;
using Npgsql;

namespace ClearingCluster.EndToEnd.Tests;

/// <summary>
/// The Gateway process is SIGKILLed at a random moment while it settles a cycle (several cycles, a kill each),
/// restarted on the same data, and settle is run again: the balances must be exactly those the computed cycle
/// promised (balances before plus its staged deltas, what an uninterrupted run posts), its postings there once, and
/// the ledger must verify with one settlement entry per cycle.
/// </summary>
public sealed class SettlementCrashTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Buyers = 12;
    private const int Cycles = 4;
    private const long Price = 7;

    [Fact]
    public async Task Killed_at_random_points_of_settle_then_settled_again_the_balances_are_those_of_an_uninterrupted_run()
    {
        var configuration = AppContext.BaseDirectory.Contains("/bin/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        await using var gateway = await GatewayProcess.StartAsync(configuration);
        var random = new Random(20261129);
        var (staffKey, gatewayKey, contracts) = await SetUpAsync(gateway);
        long sequence = 0;

        for (var cycle = 0; cycle < Cycles; cycle++)
        {
            using (var usage = gateway.Client(gatewayKey))
            {
                var records = contracts.Select((c, i) => new { callId = $"call-{cycle}-{i}", contract = c, at = DateTimeOffset.UtcNow, units = 1 + random.Next(50) });
                (await usage.PostAsJsonAsync("/v1/usage", new { producer = "crash-gw", sequence = ++sequence, records })).EnsureSuccessStatusCode();
            }
            string cycleId;
            using (var staff = gateway.Client(staffKey))
            {
                cycleId = (await Ok(await staff.PostAsync("/v1/clearing/cycles/cutoff", null))).GetProperty("cycleId").GetString()!;
                await Ok(await staff.PostAsync($"/v1/clearing/cycles/{cycleId}/compute", null));
            }
            var expected = await ExpectedAsync(gateway.DatabaseConnectionString, cycleId);

            // Settle, and kill the process somewhere in it: before, during or after the commit.
            using (var staff = gateway.Client(staffKey))
            {
                var settling = staff.PostAsync($"/v1/clearing/cycles/{cycleId}/settle", null);
                await Task.Delay(random.Next(0, 40));
                await gateway.KillAsync();
                var outcome = await settling.ContinueWith(t => t.IsCompletedSuccessfully ? ((int)t.Result.StatusCode).ToString() : "no answer");
                output.WriteLine($"{cycleId}: killed; the settle request got {outcome}");
            }
            await gateway.RestartAsync();
            using (var staff = gateway.Client(staffKey))
            {
                var found = (await Ok(await staff.GetAsync($"/v1/clearing/cycles/{cycleId}"))).GetProperty("status").GetString();
                output.WriteLine($"{cycleId}: after the restart it is {found}");
                var settled = await Ok(await staff.PostAsync($"/v1/clearing/cycles/{cycleId}/settle", null));
                Assert.Equal("settled", settled.GetProperty("status").GetString());
                var again = await Ok(await staff.PostAsync($"/v1/clearing/cycles/{cycleId}/settle", null));
                Assert.Equal(settled.GetProperty("ledgerSeq").GetInt64(), again.GetProperty("ledgerSeq").GetInt64());
            }
            Assert.Equal(expected.Balances, await BalancesAsync(gateway.DatabaseConnectionString));
            Assert.Equal(expected.Postings, await PostingsAsync(gateway.DatabaseConnectionString, cycleId));
        }

        using var admin = gateway.Client(gateway.AdminKey);
        Assert.True((await Ok(await admin.GetAsync("/v1/ledger/verify"))).GetProperty("ok").GetBoolean());
        var settlements = await Ok(await admin.GetAsync("/v1/ledger/entries?kind=clearing.settled&limit=100"));
        Assert.Equal(Cycles, settlements.GetProperty("entries").GetArrayLength());
        Assert.True((await Ok(await admin.GetAsync("/v1/reconciliation"))).GetProperty("ok").GetBoolean());
    }

    /// <summary>Balances before the settlement plus the deltas the computed cycle staged; and the postings it staged.</summary>
    private static async Task<(string Balances, long Postings)> ExpectedAsync(string connectionString, string cycleId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT string_agg(format('%s %s %s %s %s', coalesce(a.id, c.account_id), coalesce(a.available_micros, 0) + coalesce(c.delta_available, 0),
                                     coalesce(a.held_micros, 0), coalesce(a.escrow_micros, 0) + coalesce(c.delta_escrow, 0),
                                     coalesce(a.backing_micros, 0) + coalesce(c.delta_backing, 0)), E'\n' ORDER BY coalesce(a.id, c.account_id)),
                   (SELECT count(*) FROM cycle_postings WHERE cycle_id = $1)
            FROM accounts a FULL JOIN (SELECT * FROM cycle_accounts WHERE cycle_id = $1) c ON c.account_id = a.id
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = cycleId });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetString(0), reader.GetInt64(1));
    }

    private static async Task<string> BalancesAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT string_agg(format('%s %s %s %s %s', id, available_micros, held_micros, escrow_micros, backing_micros), E'\n' ORDER BY id) FROM accounts
            """, connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static Task<long> PostingsAsync(string connectionString, string cycleId) =>
        Sql.LongAsync(connectionString, "SELECT count(*) FROM postings WHERE cycle_id = $1", cycleId);

    private static async Task<(string StaffKey, string GatewayKey, List<string> Contracts)> SetUpAsync(GatewayProcess gateway)
    {
        using var admin = gateway.Client(gateway.AdminKey);
        async Task<string> MemberAsync(string id, string role)
        {
            (await admin.PostAsJsonAsync("/v1/participants", new { id, name = id, roles = new[] { role }, tier = 1 })).EnsureSuccessStatusCode();
            (await admin.PostAsync($"/v1/participants/{id}/approve", null)).EnsureSuccessStatusCode();
            return (await Ok(await admin.PostAsync($"/v1/participants/{id}/keys", null))).GetProperty("key").GetString()!;
        }
        var providerKey = await MemberAsync("prov", "provider");
        var staffKey = await MemberAsync("clr", "clearing");
        var gatewayKey = await MemberAsync("apigw", "gateway");
        using var provider = gateway.Client(providerKey);
        (await provider.PostAsJsonAsync("/v1/products", new
        {
            id = "settle-api", provider = "prov", name = "Settle API", kind = "api", unit = "call", category = "geo", scenarios = new[] { "s" }, delivery = "api",
        })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync("/v1/products/settle-api/review", new { approve = true, note = "" })).EnsureSuccessStatusCode();
        var contracts = new List<string>();
        for (var b = 0; b < Buyers; b++)
        {
            var buyerKey = await MemberAsync($"buyer-{b}", "buyer");
            (await admin.PostAsJsonAsync($"/v1/accounts/buyer-{b}/deposits", new { amount = 1_000_000L, reference = "f" })).EnsureSuccessStatusCode();
            (await provider.PostAsJsonAsync("/v1/orders", new { clientOrderId = $"s{b}", participant = "prov", product = "settle-api", side = "sell", price = Price, quantity = 1_000 }))
                .EnsureSuccessStatusCode();
            using var buyer = gateway.Client(buyerKey);
            var order = await Ok(await buyer.PostAsJsonAsync("/v1/orders", new
            {
                clientOrderId = "b", participant = $"buyer-{b}", product = "settle-api", side = "buy", price = Price, quantity = 1_000, scenario = "s", validityDays = 30,
            }));
            contracts.Add(order.GetProperty("contracts")[0].GetString()!);
        }
        return (staffKey, gatewayKey, contracts);
    }

    private static async Task<JsonElement> Ok(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
