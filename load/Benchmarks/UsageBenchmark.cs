using ClearingCluster.Wire;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ClearingCluster.Grains.Metering.Wire;
using ClearingCluster.Interfaces.Metering;
using ClearingCluster.Silo.Storage;
using ClearingCluster.TestSupport;
using Npgsql;
using NpgsqlTypes;

namespace ClearingCluster.Load.Benchmarks;

/// <summary>
/// Durable usage records per second through the Gateway (a separate process, PostgreSQL fsync on): producers each
/// send batches of <c>--records</c> (default 1000) one after another, spread over 64 contracts; a batch counts once
/// answered. Then, in the same run, PostgreSQL alone takes the same packed rows by binary COPY in transactions of
/// the same size: the ceiling.
/// </summary>
public static class UsageBenchmark
{
    private const int Contracts = 64;

    public static async Task RunAsync(BenchmarkArguments arguments)
    {
        var format = arguments.Text("format", "binary");
        var recordsPerBatch = arguments.Int("records", 1000);
        // --call-window 0 turns call-id deduplication off, to measure what it costs beside the default (24 h).
        var callWindow = arguments.Text("call-window", "");
        await using var gateway = await GatewayProcess.StartAsync(environment: callWindow == ""
            ? null
            : new Dictionary<string, string> { ["Clearing__Metering__CallIdWindow"] = callWindow });
        var (contracts, at, gatewayKey) = await SetUpAsync(gateway);
        var clients = Enumerable.Range(0, arguments.Concurrency).Select(_ => gateway.Client(gatewayKey, 1)).ToArray();
        var sequences = new long[arguments.Concurrency];

        async Task SendAsync(int producer)
        {
            var sequence = ++sequences[producer];
            var records = new UsageRecordRequest[recordsPerBatch];
            for (var i = 0; i < records.Length; i++)
            {
                records[i] = new UsageRecordRequest(string.Create(CultureInfo.InvariantCulture, $"{producer}-{sequence}-{i}"),
                    contracts[(producer + i) % contracts.Length], at, 1);
            }
            using var content = Encode(format, new UsageBatchRequest($"bench-{producer}", sequence, records));
            using var response = await clients[producer].PostAsync("/v1/usage", content);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"usage refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }

        await Measurement.ReportAsync($"usage-http {format} ({recordsPerBatch} records a batch; rate in records/s, latency per batch)", arguments, async () =>
        {
            var result = await Measurement.RunAsync(arguments.Concurrency, TimeSpan.FromSeconds(arguments.Seconds), SendAsync, sampleLatency: true);
            return result with { PerSecond = result.PerSecond * recordsPerBatch };
        });
        foreach (var client in clients)
        {
            client.Dispose();
        }

        Console.WriteLine("  storage: " + UsageStorage.Describe(await UsageStorage.MeasureAsync(gateway.DatabaseConnectionString)));
        await CopyCeilingAsync(gateway.DatabaseConnectionString, contracts, at, recordsPerBatch * arguments.Concurrency, arguments);
    }

    /// <summary>The same packed rows, straight into PostgreSQL by binary COPY, one transaction per flush-sized batch.</summary>
    private static async Task CopyCeilingAsync(string connectionString, string[] contracts, DateTimeOffset at, int recordsPerFlush, BenchmarkArguments arguments)
    {
        await using var source = NpgsqlDataSource.Create(connectionString);
        var atMicros = UsageEnvelope.ToMicros(at);
        var rows = contracts.Select(contract =>
        {
            var calls = Enumerable.Range(0, recordsPerFlush / contracts.Length).Select(i => ("ceiling", new UsageRecord($"c-{i}", contract, atMicros, 1)));
            var (producers, packed) = PackedCalls.Pack(calls);
            return (contract, producers, packed, count: recordsPerFlush / contracts.Length);
        }).ToArray();
        await using (var partition = source.CreateCommand("SELECT usage_records_add_partition('ceiling')"))
        {
            await partition.ExecuteNonQueryAsync(); // the ceiling's rows in a partition of their own, beside the open cycle's
        }
        var results = new List<double>();
        for (var run = 0; run <= arguments.Runs; run++)
        {
            long records = 0;
            var started = Stopwatch.StartNew();
            while (started.Elapsed < TimeSpan.FromSeconds(arguments.Seconds))
            {
                await using var connection = await source.OpenConnectionAsync();
                await using var transaction = await connection.BeginTransactionAsync();
                await using (var copy = await connection.BeginBinaryImportAsync(
                    "COPY usage_records (cycle_id, contract_id, shard, first_at, last_at, record_count, units, producers, records) FROM STDIN (FORMAT BINARY)"))
                {
                    foreach (var (contract, producers, packed, count) in rows)
                    {
                        await copy.StartRowAsync();
                        await copy.WriteAsync("ceiling", NpgsqlDbType.Text);
                        await copy.WriteAsync(contract, NpgsqlDbType.Text);
                        await copy.WriteAsync(0, NpgsqlDbType.Integer);
                        await copy.WriteAsync(at, NpgsqlDbType.TimestampTz);
                        await copy.WriteAsync(at, NpgsqlDbType.TimestampTz);
                        await copy.WriteAsync(count, NpgsqlDbType.Integer);
                        await copy.WriteAsync((long)count, NpgsqlDbType.Bigint);
                        await copy.WriteAsync(producers, NpgsqlDbType.Array | NpgsqlDbType.Text);
                        await copy.WriteAsync(packed, NpgsqlDbType.Bytea);
                        records += count;
                    }
                    await copy.CompleteAsync();
                }
                await transaction.CommitAsync();
            }
            if (run > 0)
            {
                results.Add(records / started.Elapsed.TotalSeconds);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  ceiling run {run}: {results[^1],12:N0} records/s"));
            }
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  ceiling median (PostgreSQL alone, the same packed rows by binary COPY, {recordsPerFlush} records a transaction): {results.Order().ElementAt(results.Count / 2):N0} records/s"));
    }

    private static HttpContent Encode(string format, UsageBatchRequest batch)
    {
        var (body, mediaType) = format switch
        {
            "binary" => (UsageFormats.WriteBinary(batch), UsageFormats.Binary),
            "ndjson" => (UsageFormats.WriteNdjson(batch), UsageFormats.Ndjson),
            _ => (JsonSerializer.SerializeToUtf8Bytes(batch, JsonSerializerOptions.Web), UsageFormats.Json),
        };
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }

    /// <summary>A provider, a buyer with <paramref name="count"/> contracts of 10⁸ calls each, and a data gateway; the calls' time; the gateway's key.</summary>
    internal static async Task<(string[] Contracts, DateTimeOffset At, string GatewayKey)> SetUpAsync(GatewayProcess gateway, int count = Contracts)
    {
        using var admin = gateway.Client(gateway.AdminKey);
        async Task<string> MemberAsync(string id, string role)
        {
            (await admin.PostAsJsonAsync("/v1/participants", new { id, name = id, roles = new[] { role }, tier = 1 })).EnsureSuccessStatusCode();
            (await admin.PostAsync($"/v1/participants/{id}/approve", null)).EnsureSuccessStatusCode();
            var issued = await (await admin.PostAsync($"/v1/participants/{id}/keys", null)).Content.ReadFromJsonAsync<JsonElement>();
            return issued.GetProperty("key").GetString()!;
        }
        using var provider = gateway.Client(await MemberAsync("prov", "provider"));
        using var buyer = gateway.Client(await MemberAsync("buyer", "buyer"));
        var gatewayKey = await MemberAsync("apigw", "gateway");
        (await admin.PostAsJsonAsync("/v1/accounts/buyer/deposits", new { amount = 900_000_000_000_000L, reference = "f" })).EnsureSuccessStatusCode();
        (await provider.PostAsJsonAsync("/v1/products", new
        {
            id = "bench-api", provider = "prov", name = "Bench API", kind = "api", unit = "call", category = "geo", scenarios = new[] { "s" }, delivery = "api",
        })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync("/v1/products/bench-api/review", new { approve = true, note = "" })).EnsureSuccessStatusCode();
        var contracts = new string[count];
        for (var i = 0; i < count; i++)
        {
            (await provider.PostAsJsonAsync("/v1/orders", new { clientOrderId = $"s{i}", participant = "prov", product = "bench-api", side = "sell", price = 1, quantity = 100_000_000 })).EnsureSuccessStatusCode();
            var order = await (await buyer.PostAsJsonAsync("/v1/orders", new
            {
                clientOrderId = $"b{i}", participant = "buyer", product = "bench-api", side = "buy", price = 1, quantity = 100_000_000, scenario = "s", validityDays = 30,
            })).Content.ReadFromJsonAsync<JsonElement>();
            contracts[i] = order.GetProperty("contracts")[0].GetString()!;
        }
        var validFrom = (await buyer.GetFromJsonAsync<JsonElement>($"/v1/contracts/{contracts[^1]}")).GetProperty("validFrom").GetDateTimeOffset();
        return (contracts, validFrom.AddSeconds(1), gatewayKey);
    }
}
