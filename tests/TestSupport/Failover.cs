using System.Diagnostics;
using System.Net;

namespace ClearingCluster.TestSupport;

/// <summary>Two silos (each a Gateway process) on one database, as an active one and a standby: what failover tests and benchmarks share.</summary>
public static class Failover
{
    /// <summary>Settings that give both silos the same lease (and renew a third of it).</summary>
    public static Dictionary<string, string> Leases(TimeSpan lease) => new()
    {
        ["Clearing__Cluster__Lease"] = lease.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        ["Clearing__Cluster__RenewEvery"] = (lease / 3).ToString("c", System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// A second silo on <paramref name="active"/>'s database, with its admin key (the key bootstrap keeps one admin key
    /// per database): it holds nothing while the active one lives. Use <c>active.AdminKey</c> with it.
    /// </summary>
    public static Task<GatewayProcess> StartStandbyAsync(GatewayProcess active, TimeSpan lease, string configuration = "Release") =>
        GatewayProcess.StartAsync(configuration, new Dictionary<string, string>(Leases(lease))
        {
            ["CLEARING_DB"] = active.DatabaseConnectionString,
            ["CLEARING_ADMIN_KEY"] = active.AdminKey,
        });

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
