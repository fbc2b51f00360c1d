using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ClearingCluster.TestSupport;

namespace ClearingCluster.Load.Benchmarks;

/// <summary>
/// Durable orders through the Gateway over HTTP (a separate process, PostgreSQL fsync on). Workers are members placing
/// their own orders one request after another: half are buyers (half of their orders GTC bids below the market, half
/// IOC buys crossing it), half place the provider's orders (GTC asks above, IOC sells crossing the bids), so both
/// sides are consumed as they grow. <c>--batch 0</c> sends single <c>POST /v1/orders</c>; <c>--batch N</c> sends N orders
/// per <c>POST /v1/orders/batch</c>; <c>--products N</c> spreads orders over N books. Before the orders, the same
/// workers call <c>GET /v1/whoami</c> (authenticated, does nothing): the no-op baseline of this machine and run.
/// </summary>
public static class HttpOrderBenchmark
{
    public static async Task RunAsync(BenchmarkArguments arguments)
    {
        var batch = arguments.Int("batch", 0);
        var measureBaseline = arguments.Text("baseline", "true") == "true";
        var products = arguments.Int("products", 1);
        var concurrency = arguments.Concurrency;
        await using var gateway = await GatewayProcess.StartAsync();
        var world = await SetUpAsync(gateway, concurrency, products);
        var clients = Enumerable.Range(0, concurrency).Select(w => gateway.Client(world.KeyOf(w), 1)).ToArray();
        var cpu = new ProcessCpu(gateway.ProcessId, Path.Combine(gateway.DataDirectory, "pg"));
        var sequence = 0L;

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"orders-http: Gateway process, PostgreSQL fsync on, {concurrency} workers ({world.Buyers.Length} buyers + provider), {products} books, "
            + $"{(batch == 0 ? "single orders" : $"batches of {batch}")}, {arguments.Runs} runs of {arguments.Seconds} s after a warm-up, {Environment.ProcessorCount} cores"));

        var baselines = new List<Stats>();
        var orders = new List<Stats>();
        var orderCpu = new List<ProcessCpu.Reading>();
        var baselineCpu = new List<ProcessCpu.Reading>();
        for (var run = 0; run <= arguments.Runs; run++)
        {
            var before = cpu.Read();
            var baseline = !measureBaseline ? Stats.None : await Stats.MeasureAsync(concurrency, TimeSpan.FromSeconds(arguments.Seconds), async w =>
            {
                using var response = await clients[w].GetAsync("/v1/whoami", HttpCompletionOption.ResponseContentRead);
                response.EnsureSuccessStatusCode();
                return 1;
            });
            var between = cpu.Read();
            var placed = await Stats.MeasureAsync(concurrency, TimeSpan.FromSeconds(arguments.Seconds), async w =>
            {
                var isBuyer = w % 2 == 0 && w / 2 < world.Buyers.Length;
                var participant = isBuyer ? world.Buyers[w / 2] : world.Provider;
                var random = Random.Shared;
                if (batch == 0)
                {
                    using var content = Body(1, participant, isBuyer, world.Products, ref sequence, random, array: false);
                    using var response = await clients[w].PostAsync("/v1/orders", content);
                    return (int)response.StatusCode == 201 ? 1 : Refused(await response.Content.ReadAsStringAsync());
                }
                using (var content = Body(batch, participant, isBuyer, world.Products, ref sequence, random, array: true))
                using (var response = await clients[w].PostAsync("/v1/orders/batch", content))
                {
                    var body = await response.Content.ReadAsByteArrayAsync();
                    return response.IsSuccessStatusCode ? PlacedOf(body, batch) : Refused(System.Text.Encoding.UTF8.GetString(body));
                }
            });
            var after = cpu.Read();
            if (run == 0)
            {
                continue; // JIT tiering and a cold database: the warm-up run is not counted.
            }
            baselines.Add(baseline);
            orders.Add(placed);
            baselineCpu.Add(between - before);
            orderCpu.Add(after - between);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  run {run}: {placed.ItemsPerSecond,10:N0} orders/s ({placed.RequestsPerSecond:N0} requests/s)   p50 {placed.P(0.50):0.00} ms   p99 {placed.P(0.99):0.00} ms   "
                + $"p99.9 {placed.P(0.999):0.00} ms   | no-op {baseline.RequestsPerSecond:N0} requests/s (p99 {baseline.P(0.99):0.00} ms)   ratio {placed.ItemsPerSecond / baseline.RequestsPerSecond:0.00}"));
        }
        var median = orders.OrderBy(o => o.ItemsPerSecond).ElementAt(orders.Count / 2);
        var noop = baselines.OrderBy(b => b.RequestsPerSecond).ElementAt(baselines.Count / 2);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  median: {median.ItemsPerSecond:N0} orders/s ({median.RequestsPerSecond:N0} requests/s)   p50 {median.P(0.50):0.00} ms   p99 {median.P(0.99):0.00} ms   "
            + $"p99.9 {median.P(0.999):0.00} ms   | no-op median {noop.RequestsPerSecond:N0} requests/s   orders/no-op ratio {median.ItemsPerSecond / noop.RequestsPerSecond:0.00}   "
            + $"refused {orders.Sum(o => o.Refused):N0}"));
        // Over all counted runs: a rate is the machine's CPU over CPU per operation while the cores are busy.
        Console.WriteLine($"  CPU per order:   {Sum(orderCpu).PerOperation(orders.Sum(o => o.Items))}");
        if (measureBaseline)
        {
            Console.WriteLine($"  CPU per no-op:   {Sum(baselineCpu).PerOperation(baselines.Sum(b => b.Requests))}");
        }
        await CommitLogAsync(gateway);
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    private static ProcessCpu.Reading Sum(IEnumerable<ProcessCpu.Reading> readings) => readings.Aggregate(default(ProcessCpu.Reading), (sum, reading) => sum + reading);

    /// <summary>What the commit log did over the whole run (warm-up included), from the Gateway's /metrics.</summary>
    internal static async Task CommitLogAsync(GatewayProcess gateway)
    {
        using var client = gateway.Client(null, 1);
        var metrics = (await client.GetStringAsync("/metrics")).Split('\n');
        double Value(string name) => metrics.Where(l => l.StartsWith(name + " ", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(name.Length + 1)..], CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Sum();
        var flushes = Value("commit_flushes_total");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  commit log: {flushes:N0} flushes, {Value("commit_flush_items_sum") / flushes:0.0} items and {Value("commit_flush_records_sum") / flushes:0.0} records a flush, "
            + $"{Value("commit_flush_duration_seconds_sum") / flushes * 1000:0.00} ms a flush on average, {Value("commit_flush_failures_total"):N0} failed"));
    }

    private static int refusalsShown;

    private static int Refused(string body)
    {
        if (Interlocked.Increment(ref refusalsShown) <= 5)
        {
            Console.WriteLine($"  refused: {body[..Math.Min(body.Length, 300)]}");
        }
        return 0;
    }

    /// <summary>Reads <c>placed</c>, the batch answer's first member, without parsing the rest.</summary>
    private static int PlacedOf(byte[] body, int batch)
    {
        var reader = new Utf8JsonReader(body);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("placed"))
            {
                reader.Read();
                var placed = reader.GetInt32();
                if (placed < batch)
                {
                    Refused(System.Text.Encoding.UTF8.GetString(body));
                }
                return placed;
            }
        }
        return Refused(System.Text.Encoding.UTF8.GetString(body));
    }

    /// <summary>Orders written straight as UTF-8 JSON (an array for a batch), each with a new client order id.</summary>
    private static ByteArrayContent Body(int count, string participant, bool isBuyer, string[] products, ref long sequence, Random random, bool array)
    {
        var buffer = new ArrayBufferWriter<byte>(count * 220 + 16);
        using (var json = new Utf8JsonWriter(buffer))
        {
            if (array)
            {
                json.WriteStartArray();
            }
            for (var i = 0; i < count; i++)
            {
                var crossing = random.Next(2) == 0;
                json.WriteStartObject();
                json.WriteString("clientOrderId", "o-" + Interlocked.Increment(ref sequence).ToString(CultureInfo.InvariantCulture));
                json.WriteString("participant", participant);
                json.WriteString("product", products[random.Next(products.Length)]);
                json.WriteString("side", isBuyer ? "buy" : "sell");
                json.WriteString("timeInForce", crossing ? "ioc" : "gtc");
                json.WriteNumber("price", isBuyer ? (crossing ? 1_010 + random.Next(10) : 980 + random.Next(20)) : (crossing ? 980 + random.Next(10) : 1_000 + random.Next(20)));
                // Crossing orders a little larger than resting ones, so books drain on average instead of filling up.
                json.WriteNumber("quantity", 1 + random.Next(crossing ? 60 : 50));
                if (isBuyer)
                {
                    json.WriteString("scenario", "credit-risk");
                    json.WriteNumber("validityDays", 30);
                }
                json.WriteEndObject();
            }
            if (array)
            {
                json.WriteEndArray();
            }
        }
        var content = new ByteArrayContent(buffer.WrittenSpan.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private sealed record World(string Provider, string ProviderKey, string[] Buyers, string[] BuyerKeys, string[] Products)
    {
        public string KeyOf(int worker) => worker % 2 == 0 && worker / 2 < Buyers.Length ? BuyerKeys[worker / 2] : ProviderKey;
    }

    private static async Task<World> SetUpAsync(GatewayProcess gateway, int concurrency, int productCount)
    {
        using var admin = gateway.Client(gateway.AdminKey, 4);
        var providerKey = await MemberAsync(admin, "provider", "provider");
        var buyers = Enumerable.Range(0, Math.Max(1, concurrency / 2)).Select(i => $"buyer-{i}").ToArray();
        var buyerKeys = new string[buyers.Length];
        for (var i = 0; i < buyers.Length; i++)
        {
            buyerKeys[i] = await MemberAsync(admin, buyers[i], "buyer");
            (await admin.PostAsJsonAsync($"/v1/accounts/{buyers[i]}/deposits", new { amount = 900_000_000_000L, reference = "load" })).EnsureSuccessStatusCode();
        }
        var products = Enumerable.Range(0, productCount).Select(i => $"load-api-{i}").ToArray();
        using (var provider = gateway.Client(providerKey, 1))
        {
            foreach (var product in products)
            {
                (await provider.PostAsJsonAsync("/v1/products", new
                {
                    id = product, provider = "provider", name = "Load API", kind = "api", unit = "call", category = "geo",
                    scenarios = new[] { "credit-risk" }, delivery = "api",
                })).EnsureSuccessStatusCode();
                (await admin.PostAsJsonAsync($"/v1/products/{product}/review", new { approve = true, note = "load" })).EnsureSuccessStatusCode();
            }
        }
        return new World("provider", providerKey, buyers, buyerKeys, products);
    }

    private static async Task<string> MemberAsync(HttpClient admin, string id, string role)
    {
        (await admin.PostAsJsonAsync("/v1/participants", new { id, name = id, roles = new[] { role }, tier = 1 })).EnsureSuccessStatusCode();
        (await admin.PostAsync($"/v1/participants/{id}/approve", null)).EnsureSuccessStatusCode();
        var issued = await (await admin.PostAsync($"/v1/participants/{id}/keys", null)).Content.ReadFromJsonAsync<JsonElement>();
        return issued.GetProperty("key").GetString()!;
    }

    /// <summary>A closed-loop run: requests per second, items (orders) per second, refusals, and every request's latency.</summary>
    private sealed class Stats(double seconds, long requests, long items, long refused, double[] latenciesMs)
    {
        /// <summary>Not measured (<c>--baseline false</c>, for profiling the orders alone).</summary>
        public static Stats None { get; } = new(1, 0, 0, 0, []);

        public double RequestsPerSecond => requests / seconds;

        public double ItemsPerSecond => items / seconds;

        public long Refused => refused;

        public long Requests => requests;

        public long Items => items;

        public double P(double q) => latenciesMs.Length == 0 ? 0 : latenciesMs[Math.Min(latenciesMs.Length - 1, (int)(q * latenciesMs.Length))];

        /// <param name="request">One request by worker w; returns how many items it placed.</param>
        public static async Task<Stats> MeasureAsync(int concurrency, TimeSpan duration, Func<int, Task<int>> request)
        {
            var clock = Stopwatch.StartNew();
            var perWorker = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
            {
                var latencies = new List<double>(4096);
                long items = 0, refusedRequests = 0;
                while (clock.Elapsed < duration)
                {
                    var started = Stopwatch.GetTimestamp();
                    var placed = await request(w);
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    items += placed;
                    refusedRequests += placed == 0 ? 1 : 0;
                }
                return (latencies, items, refusedRequests);
            })));
            var elapsed = clock.Elapsed.TotalSeconds;
            var all = perWorker.SelectMany(p => p.latencies).ToArray();
            Array.Sort(all);
            return new Stats(elapsed, all.Length, perWorker.Sum(p => p.items), perWorker.Sum(p => p.refusedRequests), all);
        }
    }
}
