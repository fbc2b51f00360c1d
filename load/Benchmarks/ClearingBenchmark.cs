using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using ClearingCluster.TestSupport;
using ClearingCluster.Wire;
using Npgsql;

namespace ClearingCluster.Load.Benchmarks;

/// <summary>
/// Cut-off, compute and settle of a cycle with <c>--contracts</c> contracts that all have usage (default 1,000,000),
/// through the Gateway (a separate process, PostgreSQL fsync on), timed step by step from the cycle's own report.
/// The contracts, their terms and each cycle's usage are written into the database directly first (trading a million
/// contracts through the API would take the benchmark's whole budget; the terms catch-up from the journals is then
/// empty): <c>--buyers</c> buyers (default 10,000) with the escrow their contracts captured, 100 providers, one
/// product. Each run settles a new cycle. Beside it, in the same run, the ceiling: PostgreSQL alone taking the
/// same number of settlement lines by binary COPY.
/// </summary>
public static class ClearingBenchmark
{
    private const long Price = 1_000;
    private const long Quota = 1_000;
    private const int Providers = 100;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task RunAsync(BenchmarkArguments arguments)
    {
        var contracts = arguments.Int("contracts", 1_000_000);
        var buyers = arguments.Int("buyers", 10_000);
        await using var gateway = await GatewayProcess.StartAsync();
        using var admin = gateway.Client(gateway.AdminKey);
        admin.Timeout = TimeSpan.FromMinutes(10);
        var (staffKey, product) = await SetUpAsync(admin);
        using var staff = gateway.Client(staffKey);
        staff.Timeout = TimeSpan.FromMinutes(10);
        await using var source = NpgsqlDataSource.Create(gateway.DatabaseConnectionString);
        var ids = Enumerable.Range(1, contracts).Select(n => $"K-{product}-{n}").ToArray();
        await FillContractsAsync(source, product, ids, buyers);

        Console.WriteLine($"clearing: cut-off + compute + settle of {contracts:N0} contracts with usage, {buyers:N0} buyers, {Providers} providers; " +
            $"{arguments.Runs} runs after one warm-up, {Environment.ProcessorCount} cores");
        var totals = new List<double>();
        for (var run = 0; run <= arguments.Runs; run++)
        {
            var open = (await Ok(await staff.GetAsync("/v1/clearing/cycles?limit=1"))).Deserialize<CyclePageResponse>(Json)!.Cycles[0];
            await FillUsageAsync(source, open.CycleId, ids, run);
            if (run == 1 && arguments.Text("explain", "no") == "yes")
            {
                await ExplainAsync(source, open.CycleId);
            }
            var clock = Stopwatch.StartNew();
            var cut = (await Ok(await staff.PostAsync("/v1/clearing/cycles/cutoff", null))).Deserialize<CycleResponse>(Json)!;
            var cutMs = clock.Elapsed.TotalMilliseconds;
            var computed = (await Ok(await staff.PostAsync($"/v1/clearing/cycles/{cut.CycleId}/compute", null))).Deserialize<CycleResponse>(Json)!;
            var computeMs = clock.Elapsed.TotalMilliseconds - cutMs;
            var settled = (await Ok(await staff.PostAsync($"/v1/clearing/cycles/{cut.CycleId}/settle", null))).Deserialize<CycleResponse>(Json)!;
            var totalMs = clock.Elapsed.TotalMilliseconds;
            if (settled.Status != "settled" || computed.Report!.Contracts != contracts)
            {
                throw new InvalidOperationException($"cycle {cut.CycleId}: {settled.Status} with {computed.Report?.Contracts} contracts");
            }
            var steps = string.Join("  ", settled.Steps.Select(s => $"{s.Name} {s.DurationMs} ms"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {(run == 0 ? "warm-up" : $"run {run}")}: {cut.CycleId} total {totalMs:N0} ms = cut-off {cutMs:N0} + compute {computeMs:N0} + settle {totalMs - cutMs - computeMs:N0} ms ({contracts / (totalMs / 1000):N0} contracts/s); steps: {steps}; netting ratio {computed.Report.NettingRatioBasisPoints / 100.0:0.00} %"));
            if (run > 0)
            {
                totals.Add(totalMs);
            }
        }
        var median = totals.Order().ElementAt(totals.Count / 2);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  median: {median:N0} ms for {contracts:N0} contracts ({contracts / (median / 1000):N0} contracts/s)"));
        await CopyCeilingAsync(source, ids, buyers, arguments.Runs);
    }

    private static async Task<(string StaffKey, string Product)> SetUpAsync(HttpClient admin)
    {
        async Task<string> MemberAsync(string id, string role)
        {
            (await admin.PostAsJsonAsync("/v1/participants", new { id, name = id, roles = new[] { role }, tier = 1 })).EnsureSuccessStatusCode();
            (await admin.PostAsync($"/v1/participants/{id}/approve", null)).EnsureSuccessStatusCode();
            return (await Ok(await admin.PostAsync($"/v1/participants/{id}/keys", null))).GetProperty("key").GetString()!;
        }
        var providerKey = await MemberAsync("bench-prov", "provider");
        var staffKey = await MemberAsync("bench-clearing", "clearing");
        using var provider = new HttpClient { BaseAddress = admin.BaseAddress };
        provider.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", providerKey);
        (await provider.PostAsJsonAsync("/v1/products", new
        {
            id = "bench-api", provider = "bench-prov", name = "Bench API", kind = "api", unit = "call", category = "geo", scenarios = new[] { "s" }, delivery = "api",
        })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync("/v1/products/bench-api/review", new { approve = true, note = "" })).EnsureSuccessStatusCode();
        // An order opens the product's book: clearing reads the products that have one.
        (await provider.PostAsJsonAsync("/v1/orders", new { clientOrderId = "open", participant = "bench-prov", product = "bench-api", side = "sell", price = Price, quantity = 1 }))
            .EnsureSuccessStatusCode();
        return (staffKey, "bench-api");
    }

    /// <summary>Terms for every contract and the buyers' escrow those contracts captured.</summary>
    private static async Task FillContractsAsync(NpgsqlDataSource source, string product, string[] ids, int buyers)
    {
        await using var connection = await source.OpenConnectionAsync();
        var validTo = DateTimeOffset.UtcNow.AddDays(365);
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY clearing_contracts (contract_id, product, buyer, provider, price_micros, quota, valid_to, fee_basis_points) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < ids.Length; i++)
            {
                await copy.WriteRowAsync(default, ids[i], product, $"bench-buyer-{i % buyers}", $"bench-prov-{i % Providers}", Price, Quota, validTo, 300);
            }
            await copy.CompleteAsync();
        }
        await using var escrow = new NpgsqlCommand("""
            INSERT INTO accounts (id, version, available_micros, held_micros, escrow_micros, backing_micros, state)
            SELECT buyer, 1, 0, 0, count(*) * $1, 0, '{}' FROM clearing_contracts WHERE product = $2 GROUP BY buyer
            """, connection);
        escrow.Parameters.Add(new NpgsqlParameter { Value = Price * Quota });
        escrow.Parameters.Add(new NpgsqlParameter { Value = product });
        await escrow.ExecuteNonQueryAsync();
    }

    /// <summary>Usage of every contract in the open cycle, 1–10 units each, as the meters would have committed it.</summary>
    private static async Task FillUsageAsync(NpgsqlDataSource source, string cycleId, string[] ids, int run)
    {
        await using var connection = await source.OpenConnectionAsync();
        await using var copy = await connection.BeginBinaryImportAsync("COPY contract_usage (contract_id, cycle_id, used) FROM STDIN (FORMAT BINARY)");
        for (var i = 0; i < ids.Length; i++)
        {
            await copy.WriteRowAsync(default, ids[i], cycleId, (long)(1 + (i + run) % 10));
        }
        await copy.CompleteAsync();
    }

    /// <summary>How PostgreSQL runs the compute's main read (<c>--explain yes</c>), to see where its time goes.</summary>
    private static async Task ExplainAsync(NpgsqlDataSource source, string cycleId)
    {
        await using var connection = await source.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var settings = new NpgsqlCommand("SET LOCAL enable_nestloop = off; SET LOCAL work_mem = '256MB'; SET LOCAL jit = off", connection, transaction))
        {
            await settings.ExecuteNonQueryAsync();
        }
        await using var command = new NpgsqlCommand("EXPLAIN (ANALYZE, BUFFERS) " + Silo.Storage.PostgresClearingStore.CycleUsageQuery, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = cycleId });
        command.Parameters.Add(new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = DateTimeOffset.UtcNow });
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            Console.WriteLine("    " + reader.GetString(0));
        }
    }

    /// <summary>PostgreSQL alone: the same lines packed as settlement does (one row per buyer), by binary COPY in one transaction.</summary>
    private static async Task CopyCeilingAsync(NpgsqlDataSource source, string[] ids, int buyers, int runs)
    {
        var results = new List<double>();
        for (var run = 0; run <= runs; run++)
        {
            await using var connection = await source.OpenConnectionAsync();
            await using (var create = new NpgsqlCommand("DROP TABLE IF EXISTS ceiling_lines; CREATE TABLE ceiling_lines (LIKE settlement_lines)", connection))
            {
                await create.ExecuteNonQueryAsync();
            }
            var clock = Stopwatch.StartNew();
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var copy = await connection.BeginBinaryImportAsync("""
                COPY ceiling_lines (cycle_id, buyer, provider, contract_ids, units, voucher_micros, fee_micros, released_micros, share_index, share_parties,
                    share_micros) FROM STDIN (FORMAT BINARY)
                """))
            {
                foreach (var row in ids.Chunk(Math.Max(1, ids.Length / buyers)))
                {
                    var numbers = row.Select(_ => 5L).ToArray();
                    await copy.WriteRowAsync(default, "c0", "bench-buyer", "bench-prov", row, numbers, numbers, numbers, numbers, Array.Empty<int>(),
                        Array.Empty<string>(), Array.Empty<long>());
                }
                await copy.CompleteAsync();
            }
            await transaction.CommitAsync();
            if (run > 0)
            {
                results.Add(clock.Elapsed.TotalMilliseconds);
            }
        }
        var median = results.Order().ElementAt(results.Count / 2);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  ceiling, PostgreSQL alone: {ids.Length:N0} settlement lines packed in {buyers:N0} rows by binary COPY in one transaction in {median:N0} ms (median of {runs})"));
    }

    private static async Task<JsonElement> Ok(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? JsonDocument.Parse(body).RootElement.Clone() : throw new InvalidOperationException($"{(int)response.StatusCode}: {body}");
    }
}
