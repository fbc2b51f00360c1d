using System.Globalization;
using System.Net.Http.Json;
using ClearingCluster.Client;
using ClearingCluster.TestSupport;
using ClearingCluster.Wire;

namespace ClearingCluster.Load.Benchmarks;

/// <summary>
/// Throughput with 1, 2 and 3 silos (each a Gateway process) on one PostgreSQL: deposits to 64 members' accounts, each
/// request entered at the silos in turn, so with n silos about (n−1)/n of them reach an account another silo serves and
/// cross silo to silo. On one machine the silos share its cores: the shape is the point, not the peak.
/// </summary>
public static class ClusterBenchmark
{
    private const int Members = 64;

    public static async Task RunAsync(BenchmarkArguments arguments)
    {
        var lease = TimeSpan.FromSeconds(arguments.Int("lease", 10));
        var most = arguments.Int("silos", 3);
        await using var first = await GatewayProcess.StartAsync("Release", Failover.Leases(lease));
        var silos = new List<GatewayProcess> { first };
        try
        {
            using (var staff = first.Client(first.AdminKey))
            {
                var client = new ClearingClient(staff);
                for (var m = 0; m < Members; m++)
                {
                    await client.RegisterParticipantAsync(new RegisterParticipantRequest($"cluster-{m}", "Cluster benchmark member", ["buyer"], 1));
                }
            }
            for (var n = 1; n <= most; n++)
            {
                if (n > 1)
                {
                    silos.Add(await Failover.StartStandbyAsync(first, lease));
                }
                var clients = silos.Select(s => s.Client(first.AdminKey)).ToArray();
                await Failover.UntilSharedAsync(clients, TimeSpan.FromMinutes(2));
                var sequence = 0L;
                await Measurement.ReportAsync(string.Create(CultureInfo.InvariantCulture,
                    $"cluster: deposits through {n} silo(s) on one PostgreSQL, entered at each in turn, {Members} accounts"), arguments, () =>
                    Measurement.RunAsync(arguments.Concurrency, TimeSpan.FromSeconds(arguments.Seconds), async worker =>
                    {
                        var s = Interlocked.Increment(ref sequence);
                        using var response = await clients[s % clients.Length].PostAsJsonAsync($"/v1/accounts/cluster-{s % Members}/deposits",
                            new MoveRequest(1, $"bench-{n}-{s}"));
                        response.EnsureSuccessStatusCode();
                    }, sampleLatency: true), grains: false);
                foreach (var client in clients)
                {
                    client.Dispose();
                }
            }
        }
        finally
        {
            foreach (var silo in silos.Skip(1))
            {
                await silo.DisposeAsync();
            }
        }
    }
}
