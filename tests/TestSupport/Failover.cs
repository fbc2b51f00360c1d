using System.Diagnostics;
using System.Net;

namespace ClearingCluster.TestSupport;

/// <summary>Two or more silos (each a Gateway process) on one database: what failover tests and benchmarks share.</summary>
public static class Failover
{
    /// <summary>Settings that give both silos the same lease (and renew a third of it).</summary>
    public static Dictionary<string, string> Leases(TimeSpan lease) => new()
    {
        ["Clearing__Cluster__Lease"] = lease.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        ["Clearing__Cluster__RenewEvery"] = (lease / 3).ToString("c", System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// Another silo on <paramref name="active"/>'s database, with its admin key (the key bootstrap keeps one admin key
    /// per database); it is handed its share of the partitions. Use <c>active.AdminKey</c> with it.
    /// </summary>
    public static Task<GatewayProcess> StartStandbyAsync(GatewayProcess active, TimeSpan lease, string configuration = "Release") =>
        GatewayProcess.StartAsync(configuration, new Dictionary<string, string>(Leases(lease))
        {
            ["CLEARING_DB"] = active.DatabaseConnectionString,
            ["CLEARING_ADMIN_KEY"] = active.AdminKey,
        });

    /// <summary>
    /// Waits until the silos behind <paramref name="silos"/> (admin clients) share the partitions: each holds some, all
    /// are held, none twice. Polls the cluster view every 100 ms.
    /// </summary>
    public static async Task UntilSharedAsync(IReadOnlyList<HttpClient> silos, TimeSpan limit)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var held = new List<int>();
            foreach (var silo in silos)
            {
                using var response = await silo.GetAsync("/v1/cluster");
                held.Add(response.IsSuccessStatusCode
                    ? System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("serving").GetInt32()
                    : 0);
            }
            if (held.All(h => h > 0) && held.Sum() == 1024)
            {
                return;
            }
            if (waited.Elapsed > limit)
            {
                throw new TimeoutException($"the silos did not come to share the partitions within {limit.TotalSeconds:N0} s: serving {string.Join(", ", held)}");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Asks <paramref name="path"/> every 20 ms until it answers 200; how long that took. While the partition is not
    /// served the answer is 503 <c>moved</c>; anything else, or no answer within <paramref name="limit"/>, throws.
    /// </summary>
    public static async Task<TimeSpan> UntilServedAsync(HttpClient client, string path, TimeSpan limit)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            using var response = await client.GetAsync(path);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return waited.Elapsed;
            }
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || !body.Contains("problem:moved", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {body}");
            }
            if (waited.Elapsed > limit)
            {
                throw new TimeoutException($"{path} still not served after {limit.TotalSeconds:N0} s");
            }
            await Task.Delay(20);
        }
    }
}
