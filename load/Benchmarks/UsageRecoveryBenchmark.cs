using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using ClearingCluster.Grains.Metering.Wire;
using ClearingCluster.Interfaces.Metering;
using ClearingCluster.Silo.Storage;
using ClearingCluster.TestSupport;
using ClearingCluster.Wire;
using Npgsql;
using NpgsqlTypes;

namespace ClearingCluster.Load.Benchmarks;

/// <summary>
/// Metering at full size: fills the open cycle with <c>--records</c> (default 10⁸) usage records straight into
/// PostgreSQL (binary COPY of packed rows, <c>--per-row</c> calls a row, spread over <c>--contracts</c> contracts, every
/// call inside the deduplication window), then measures bytes on disk per record, a dispute lookup among them over
/// HTTP, and, after a SIGKILL and restart, the time until the Gateway is ready, until it answers a usage batch
/// again, and until a batch touching every contract is answered (every shard has read every window).
/// </summary>
public static class UsageRecoveryBenchmark
{
    public static async Task RunAsync(BenchmarkArguments arguments)
    {
        var total = long.Parse(arguments.Text("records", "100000000"), CultureInfo.InvariantCulture);
        var contractCount = arguments.Int("contracts", 1000);
        var perRow = arguments.Int("per-row", 1000);
        await using var gateway = await GatewayProcess.StartAsync();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"usage-recovery: {total:N0} records over {contractCount:N0} contracts ({perRow} calls a row), PostgreSQL fsync on, {Environment.ProcessorCount} cores"));
        var started = Stopwatch.StartNew();
        var (contracts, at, gatewayKey) = await UsageBenchmark.SetUpAsync(gateway, contractCount);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {contractCount:N0} contracts made over HTTP in {started.Elapsed.TotalSeconds:N1} s"));

        started.Restart();
        var cycle = await FillAsync(gateway.DatabaseConnectionString, contracts, at, total, perRow);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  filled cycle {cycle} with {total:N0} records in {started.Elapsed.TotalSeconds:N1} s ({total / started.Elapsed.TotalSeconds:N0} records/s)"));
        Console.WriteLine("  storage: " + UsageStorage.Describe(await UsageStorage.MeasureAsync(gateway.DatabaseConnectionString, cycle)));

        using (var admin = gateway.Client(gateway.AdminKey))
        {
            await DisputesAsync(admin, contracts, total, perRow, "before the restart");
        }

        await gateway.KillAsync();
        started.Restart();
        await gateway.RestartAsync();
        var ready = started.Elapsed;
        using var producer = gateway.Client(gatewayKey);
        var atMicros = UsageEnvelope.ToMicros(at);
        var firstContracts = contracts.Take(Math.Min(50, contracts.Length)).ToArray();
        var first = await SendAsync(producer, 1, firstContracts, atMicros, "after-restart");
        var answered = started.Elapsed;
        var all = await SendAsync(producer, 2, contracts, atMicros, "every-contract");
        var warm = started.Elapsed;
        // A filled call sent again after the restart is refused: the windows were read from storage.
        var repeat = await SendAsync(producer, 3, [contracts[0]], atMicros, null);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  after SIGKILL and restart: ready in {ready.TotalSeconds:N1} s; a batch over {firstContracts.Length} contracts answered at {answered.TotalSeconds:N1} s "
            + $"({first}); a batch over all {contracts.Length:N0} at {warm.TotalSeconds:N1} s ({all}); a filled call re-sent: {repeat}"));
        using (var admin = gateway.Client(gateway.AdminKey))
        {
            await DisputesAsync(admin, contracts, total, perRow, "after the restart");
        }
    }

    private static async Task<string> SendAsync(HttpClient client, long sequence, string[] contracts, long atMicros, string? prefix)
    {
        var records = contracts.Select((contract, i) => new UsageRecordRequest(prefix is null ? FillCallId(0, 0) : $"{prefix}-{i}", contract,
            UsageEnvelope.FromMicros(atMicros), 1)).ToArray();
        using var response = await client.PostAsJsonAsync("/v1/usage", new UsageBatchRequest("recovery", sequence, records));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"usage refused: {(int)response.StatusCode} {body}");
        }
        var rejected = body.GetProperty("rejected").EnumerateArray().Select(r => r.GetProperty("reason").GetString()).GroupBy(r => r)
            .Select(g => $"{g.Count()} {g.Key}");
        return $"{body.GetProperty("accepted").GetInt32()} accepted" + string.Concat(rejected.Select(r => ", " + r));
    }

    /// <summary>Looks up calls spread over the fill (the last of each of 21 contracts' rows) and prints the latency.</summary>
    private static async Task DisputesAsync(HttpClient admin, string[] contracts, long total, int perRow, string when)
    {
        var rowsPerContract = total / perRow / contracts.Length;
        var latencies = new List<double>();
        for (var i = 0; i < 21; i++)
        {
            var contract = i % contracts.Length;
            var row = rowsPerContract == 0 ? 0 : (long)i * 7919 % rowsPerContract;
            var call = FillCallId(contract, row * perRow + perRow - 1);
            var timer = Stopwatch.StartNew();
            using var response = await admin.GetAsync($"/v1/usage/calls/{call}?contract={contracts[contract]}");
            timer.Stop();
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"dispute lookup of {call} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
            latencies.Add(timer.Elapsed.TotalMilliseconds);
        }
        latencies.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  dispute lookup ({when}; one call among {total / contracts.Length:N0} of its contract, {total:N0} in all): p50 {latencies[latencies.Count / 2]:N1} ms, "
            + $"max {latencies[^1]:N1} ms over {latencies.Count} lookups, fastest {latencies[0]:N1} ms"));
    }

    /// <summary>A call id as data gateways send them, a 64-bit trace id in 16 hex digits, made from the call's place in the fill.</summary>
    private static string FillCallId(int contract, long n) => Convert.ToHexStringLower(BitConverter.GetBytes(Mix(((ulong)contract << 40) ^ (ulong)n)));

    /// <summary>SplitMix64's finaliser: a fixed, well-spread function of the input.</summary>
    private static ulong Mix(ulong x)
    {
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9UL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebUL;
        return x ^ (x >> 31);
    }

    /// <summary>Writes the records as the commit log would (rows of packed calls per contract) and their totals; returns the cycle.</summary>
    private static async Task<string> FillAsync(string connectionString, string[] contracts, DateTimeOffset at, long total, int perRow)
    {
        await using var source = NpgsqlDataSource.Create(connectionString);
        string cycle;
        await using (var open = source.CreateCommand("SELECT id FROM clearing_cycles WHERE status = 'open'"))
        {
            cycle = (string)(await open.ExecuteScalarAsync())!;
        }
        var atMicros = UsageEnvelope.ToMicros(at);
        var rows = total / perRow;
        var rowsPerContract = (rows + contracts.Length - 1) / contracts.Length;
        var used = new long[contracts.Length];
        var written = 0L;
        var progress = Stopwatch.StartNew();
        // Several transactions, so a long fill shows progress and holds no single huge one.
        for (var start = 0L; start < rows; start += 10_000)
        {
            await using var connection = await source.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var copy = await connection.BeginBinaryImportAsync(
                "COPY usage_records (cycle_id, contract_id, shard, first_at, last_at, record_count, units, producers, records) FROM STDIN (FORMAT BINARY)"))
            {
                for (var row = start; row < Math.Min(rows, start + 10_000); row++)
                {
                    var contract = (int)(row / rowsPerContract);
                    var firstCall = row % rowsPerContract * perRow;
                    // A row is what one flush packs for a contract: calls of about the same second, of 1–5 units.
                    var calls = Enumerable.Range(0, perRow).Select(i =>
                    {
                        var noise = Mix((ulong)(firstCall + i) * 31 + (ulong)contract);
                        return ("fill/filler", new UsageRecord(FillCallId(contract, firstCall + i), contracts[contract],
                            atMicros + (long)(noise % 1_000_000), 1 + (long)(noise >> 60) % 5));
                    }).ToList();
                    var (producers, packed) = PackedCalls.Pack(calls);
                    var units = calls.Sum(c => c.Item2.Units);
                    await copy.StartRowAsync();
                    await copy.WriteAsync(cycle, NpgsqlDbType.Text);
                    await copy.WriteAsync(contracts[contract], NpgsqlDbType.Text);
                    await copy.WriteAsync(Grains.Metering.MeterShards.ShardOf(contracts[contract], 8), NpgsqlDbType.Integer);
                    await copy.WriteAsync(at, NpgsqlDbType.TimestampTz);
                    await copy.WriteAsync(at.AddSeconds(1), NpgsqlDbType.TimestampTz);
                    await copy.WriteAsync(perRow, NpgsqlDbType.Integer);
                    await copy.WriteAsync(units, NpgsqlDbType.Bigint);
                    await copy.WriteAsync(producers, NpgsqlDbType.Array | NpgsqlDbType.Text);
                    await copy.WriteAsync(packed, NpgsqlDbType.Bytea);
                    used[contract] += units;
                    written += perRow;
                }
                await copy.CompleteAsync();
            }
            await transaction.CommitAsync();
            if (progress.Elapsed > TimeSpan.FromSeconds(10))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    … {written:N0} of {total:N0} records"));
                progress.Restart();
            }
        }
        await using (var totals = source.CreateCommand("""
            INSERT INTO contract_usage (contract_id, cycle_id, used) SELECT c, $2, u FROM unnest($1::text[], $3::bigint[]) AS t(c, u) WHERE u > 0
            ON CONFLICT (contract_id, cycle_id) DO UPDATE SET used = contract_usage.used + EXCLUDED.used
            """))
        {
            totals.Parameters.Add(new NpgsqlParameter { Value = contracts });
            totals.Parameters.Add(new NpgsqlParameter { Value = cycle });
            totals.Parameters.Add(new NpgsqlParameter { Value = used });
            await totals.ExecuteNonQueryAsync();
        }
        await using (var analyze = source.CreateCommand("ANALYZE usage_records"))
        {
            analyze.CommandTimeout = 0;
            await analyze.ExecuteNonQueryAsync();
        }
        return cycle;
    }
}
