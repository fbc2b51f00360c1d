using ClearingCluster.Wire;
using System.Net.Http.Json;
using ClearingCluster.TestSupport;
using System.Net;
using System.Text.Json;

namespace ClearingCluster.EndToEnd.Tests;

[Collection(GatewayCollection.Name)]
public sealed class OperationsTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Live_and_ready_answer_200_without_a_key()
    {
        using var client = fixture.Gateway.Client();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        var ready = await client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        Assert.Equal("ready", body.RootElement.GetProperty("status").GetString());
        Assert.Equal("serving", body.RootElement.GetProperty("silo").GetString());
    }

    [Fact]
    public async Task Metrics_are_in_Prometheus_text_format_with_grain_and_request_counters()
    {
        using var client = fixture.Gateway.Client();
        await client.GetAsync("/health/ready");

        var response = await client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("# TYPE grain_calls_total counter", text);
        Assert.Contains("# TYPE grain_activations gauge", text);
        Assert.Contains("# TYPE http_request_duration_seconds histogram", text);
        Assert.Matches("""process_resident_memory_bytes [1-9]""", text);
        Assert.Matches("""dotnet_gc_heap_after_collection_bytes [0-9]""", text);
        Assert.Contains("# TYPE dotnet_gc_collections_total counter", text);
        Assert.Matches("""dotnet_gc_collections_total\{generation="2"\} [0-9]""", text);
        Assert.Matches("""dotnet_gc_pause_seconds_total [0-9]""", text);
        Assert.Matches("""dotnet_gc_allocated_bytes_total [1-9]""", text);
        // Summed over every silo in the test process (another test's Gateway may run beside this one): present, not exact.
        Assert.Matches("""cluster_partitions_held [1-9][0-9]*\b""", text);
        Assert.Contains("# TYPE cluster_partitions_serving gauge", text);
        Assert.Contains("# TYPE cluster_partition_losses_total counter", text);
        Assert.Matches("""http_requests_total\{method="GET",route="/health/ready",status="200"\} [1-9]""", text);
    }

    [Fact]
    public async Task Refusals_are_counted_under_their_route_and_apart_from_failures()
    {
        using var client = fixture.Gateway.Client(GatewayFixture.AdminKey);
        var exchange = new Exchange(fixture.Gateway, GatewayFixture.AdminKey);
        var (member, _) = await exchange.MemberAsync("mref", "buyer");
        await ProblemAssert.IsProblem(await client.GetAsync("/v1/orders/nothing:1"), HttpStatusCode.NotFound, "unknown_order");
        await ProblemAssert.IsProblem(await client.PostAsJsonAsync($"/v1/accounts/{member}/withdrawals", new { amount = 5, reference = "none" }),
            HttpStatusCode.UnprocessableEntity, "insufficient_funds");

        var text = await client.GetStringAsync("/metrics");

        Assert.Matches("""http_requests_total\{method="GET",route="/v1/orders/\{orderId\}",status="404"\} [1-9]""", text);
        Assert.Matches("""http_requests_total\{method="POST",route="/v1/accounts/\{id\}/withdrawals",status="422"\} [1-9]""", text);
        Assert.Matches("""grain_call_refusals_total [1-9]""", text);
    }

    [Fact]
    public async Task Promtool_finds_the_metrics_conventional()
    {
        using var client = fixture.Gateway.Client(GatewayFixture.AdminKey);
        await client.GetAsync("/v1/whoami");
        var text = await client.GetStringAsync("/metrics");
        var promtool = ExternalTool.Find("promtool")
            ?? throw new InvalidOperationException("promtool is needed (Debian's prometheus package; ./cluster test installs it when run as root)");

        var (exitCode, output) = await ExternalTool.RunAsync(promtool, ["check", "metrics"], text);

        Assert.True(exitCode == 0, $"promtool check metrics: {output}");
        Assert.Contains("# TYPE http_requests_total counter", text);
        Assert.Contains("# TYPE http_request_duration_seconds histogram", text);
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_the_routes()
    {
        using var client = fixture.Gateway.Client();

        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));

        var paths = document.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/health/ready", out _));
        Assert.True(paths.TryGetProperty("/v1/whoami", out _));
    }

    [Fact]
    public async Task An_unknown_route_is_a_404_problem()
    {
        using var client = fixture.Gateway.Client(GatewayFixture.AdminKey);

        var detail = await ProblemAssert.IsProblem(await client.GetAsync("/v1/no-such-thing"), HttpStatusCode.NotFound, "not_found");

        Assert.Contains("/v1/no-such-thing", detail);
        await ProblemAssert.IsProblem(await client.DeleteAsync("/v1/whoami"), HttpStatusCode.MethodNotAllowed, "method_not_allowed");
    }

    [Fact]
    public async Task The_cluster_view_shows_this_silo_holding_every_partition_to_admins_only()
    {
        var exchange = new Exchange(fixture.Gateway, GatewayFixture.AdminKey);

        var cluster = await exchange.Admin.GetFromJsonAsync<ClusterResponse>("/v1/cluster", new JsonSerializerOptions(JsonSerializerDefaults.Web));

        Assert.NotNull(cluster);
        Assert.Equal((1024, 1024, 1024, 0), (cluster.Partitions, cluster.Held, cluster.Serving, cluster.Unowned));
        var silo = Assert.Single(cluster.Silos);
        Assert.Equal((cluster.Silo, 1024, "0-1023"), (silo.Name, silo.Partitions, silo.Ranges));
        Assert.True(silo.EpochMin >= 1 && silo.EpochMax >= silo.EpochMin);
        Assert.True(silo.LeaseUntil > cluster.At, "a lease held now runs out later");
        var self = Assert.Single(cluster.Members, m => m.Self);
        Assert.Equal((cluster.Silo, "active"), (self.Name, self.Status));
        Assert.True(self.Generation > 0 && self.LastAlive >= self.Started && cluster.MembershipVersion >= 1);

        var (_, member) = await exchange.MemberAsync("cluster-viewer", "buyer");
        await ProblemAssert.IsProblem(await member.GetAsync("/v1/cluster"), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsProblem(await exchange.Anonymous.GetAsync("/v1/cluster"), HttpStatusCode.Unauthorized, "unauthenticated");
    }
}
