using ClearingCluster.Wire;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ClearingCluster.Grains.Metering;
using ClearingCluster.Grains.Metering.Wire;
using ClearingCluster.Interfaces.Metering;
using ClearingCluster.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ClearingCluster.EndToEnd.Tests;

[Collection(GatewayCollection.Name)]
public sealed class UsageApiTests(GatewayFixture fixture)
{
    private readonly Exchange exchange = new(fixture.Gateway, GatewayFixture.AdminKey);

    /// <summary>A buyer with an active contract of <paramref name="quota"/> calls, and a data-API gateway member.</summary>
    private async Task<(string Contract, DateTimeOffset From, DateTimeOffset To, HttpClient Gateway, string Buyer, HttpClient BuyerClient, HttpClient ProviderClient)> ContractAsync(
        Exchange x, long quota = 100)
    {
        var (provider, providerClient) = await x.MemberAsync("prov", "provider");
        var (buyer, buyerClient) = await x.MemberAsync("buyer", "buyer");
        var (_, gateway) = await x.MemberAsync("apigw", "gateway");
        await x.DepositAsync(buyer, 1_000_000_000, "f");
        var product = await x.ListedProductAsync(provider, providerClient);
        await providerClient.PostAsJsonAsync("/v1/orders", new { clientOrderId = "s", participant = provider, product, side = "sell", price = 10, quantity = quota });
        var order = await Exchange.Ok(await buyerClient.PostAsJsonAsync("/v1/orders", new
        {
            clientOrderId = "b", participant = buyer, product, side = "buy", price = 10, quantity = quota, scenario = "credit-risk", validityDays = 30,
        }), HttpStatusCode.Created);
        var contractId = order.GetProperty("contracts")[0].GetString()!;
        var contract = await Exchange.Ok(await buyerClient.GetAsync($"/v1/contracts/{contractId}"));
        return (contractId, contract.GetProperty("validFrom").GetDateTimeOffset(), contract.GetProperty("validTo").GetDateTimeOffset(), gateway, buyer, buyerClient,
            providerClient);
    }

    private static StringContent Batch(string producer, long sequence, params (string CallId, string Contract, DateTimeOffset At, long Units)[] records) =>
        new(JsonSerializer.Serialize(new
        {
            producer,
            sequence,
            records = records.Select(r => new { callId = r.CallId, contract = r.Contract, at = r.At, units = r.Units }),
        }), Encoding.UTF8, "application/json");

    private static async Task<JsonElement> UsedAsync(HttpClient client, string contract) =>
        (await Exchange.Ok(await client.GetAsync($"/v1/contracts/{contract}"))).GetProperty("used");

    [Fact]
    public async Task A_call_resent_under_a_new_sequence_is_refused_as_duplicate_call_and_a_dispute_finds_it_once()
    {
        var c = await ContractAsync(exchange);
        var at = c.From.AddSeconds(1);
        Assert.Equal(1, (await Exchange.Ok(await c.Gateway.PostAsync("/v1/usage", Batch("gw", 1, ("call-1", c.Contract, at, 3))))).GetProperty("accepted").GetInt32());

        // The data gateway restarted and re-sends the call under a new sequence.
        var resent = await Exchange.Ok(await c.Gateway.PostAsync("/v1/usage", Batch("gw", 2, ("call-1", c.Contract, at, 3), ("call-2", c.Contract, at, 1))));
        Assert.Equal(1, resent.GetProperty("accepted").GetInt32());
        Assert.Equal("duplicate_call", resent.GetProperty("rejected")[0].GetProperty("reason").GetString());
        Assert.Equal(0, resent.GetProperty("rejected")[0].GetProperty("index").GetInt32());
        Assert.Equal(4, (await UsedAsync(c.BuyerClient, c.Contract)).GetInt64());

        var (_, regulator) = await exchange.MemberAsync("reg", "regulator");
        foreach (var reader in new[] { c.BuyerClient, c.ProviderClient, exchange.Admin, regulator })
        {
            var dispute = await Exchange.Ok(await reader.GetAsync($"/v1/usage/calls/call-1?contract={c.Contract}"));
            Assert.Equal(c.Contract, dispute.GetProperty("contract").GetString());
            var occurrence = Assert.Single(dispute.GetProperty("occurrences").EnumerateArray().ToList());
            Assert.Equal(3, occurrence.GetProperty("units").GetInt64());
            Assert.Equal(at, occurrence.GetProperty("at").GetDateTimeOffset());
            Assert.EndsWith("/gw", occurrence.GetProperty("producer").GetString());
        }
        // Given the call's time, the lookup searches only the rows that can hold it; another time finds nothing.
        var typed = new ClearingCluster.Client.ClearingClient(c.BuyerClient);
        Assert.Single((await typed.FindUsageCallAsync("call-1", c.Contract, at)).Occurrences);
        Assert.Equal("call_not_found", (await Assert.ThrowsAsync<ClearingCluster.Client.ClearingProblemException>(
            () => typed.FindUsageCallAsync("call-1", c.Contract, at.AddHours(-2)))).Code);
    }

    [Fact]
    public async Task A_dispute_is_refused_to_others_and_for_bad_input_with_a_clear_problem()
    {
        var c = await ContractAsync(exchange);
        await Exchange.Ok(await c.Gateway.PostAsync("/v1/usage", Batch("gw", 1, ("call-1", c.Contract, c.From.AddSeconds(1), 1))));
        var (_, stranger) = await exchange.MemberAsync("other", "buyer");

        // Another member learns nothing, not even that the contract exists.
        await ProblemAssert.IsProblem(await stranger.GetAsync($"/v1/usage/calls/call-1?contract={c.Contract}"), HttpStatusCode.NotFound, "unknown_contract");
        await ProblemAssert.IsProblem(await exchange.Anonymous.GetAsync($"/v1/usage/calls/call-1?contract={c.Contract}"), HttpStatusCode.Unauthorized, "unauthenticated");
        await ProblemAssert.IsProblem(await c.BuyerClient.GetAsync($"/v1/usage/calls/call-9?contract={c.Contract}"), HttpStatusCode.NotFound, "call_not_found");
        await ProblemAssert.IsProblem(await c.BuyerClient.GetAsync("/v1/usage/calls/call-1"), HttpStatusCode.BadRequest, "invalid_contract");
        await ProblemAssert.IsProblem(await c.BuyerClient.GetAsync($"/v1/usage/calls/{new string('x', 65)}?contract={c.Contract}"), HttpStatusCode.BadRequest,
            "invalid_call_id");
    }

    [Fact]
    public async Task Each_record_is_counted_or_rejected_with_its_reason_and_the_rest_goes_on()
    {
        var c = await ContractAsync(exchange, quota: 10);
        var at = c.From.AddSeconds(1);

        var answer = await Exchange.Ok(await c.Gateway.PostAsync("/v1/usage", new StringContent($$"""
            {"producer":"gw-1","sequence":1,"records":[
              {"callId":"ok-1","contract":"{{c.Contract}}","at":"{{at:O}}","units":4},
              {"callId":"nope","contract":"K-nothing-1","at":"{{at:O}}","units":1},
              {"callId":"early","contract":"{{c.Contract}}","at":"{{c.From.AddSeconds(-1):O}}","units":1},
              {"callId":"late","contract":"{{c.Contract}}","at":"{{c.To:O}}","units":1},
              {"callId":"broken","contract":"{{c.Contract}}","at":"{{at:O}}"},
              {"callId":"ok-2","contract":"{{c.Contract}}","at":"{{at:O}}","units":6},
              {"callId":"over","contract":"{{c.Contract}}","at":"{{at:O}}","units":1}
            ]}
            """, Encoding.UTF8, "application/json")));

        Assert.Equal(2, answer.GetProperty("accepted").GetInt32());
        Assert.False(answer.GetProperty("duplicate").GetBoolean());
        // "late" is dated at validTo, a month ahead of the clock: the clock's rule (future_call) answers before validity's.
        Assert.Equal([(1, "unknown_contract"), (2, "outside_validity"), (3, "future_call"), (4, "bad_record"), (6, "quota_exceeded")],
            answer.GetProperty("rejected").EnumerateArray().Select(r => (r.GetProperty("index").GetInt32(), r.GetProperty("reason").GetString()!)));
        Assert.Equal(10, (await UsedAsync(c.BuyerClient, c.Contract)).GetInt64());
        var metrics = await exchange.Anonymous.GetStringAsync("/metrics");
        Assert.Matches("""usage_records_total\{result="quota_exceeded"\} [1-9]""", metrics);
        Assert.Matches("""usage_records_total\{result="bad_record"\} [1-9]""", metrics);
        Assert.Contains("usage_batch_records_count", metrics);
        Assert.Contains("commit_flush_duration_seconds_bucket", metrics);
    }

    private async Task<double> ReplaysAsync()
    {
        var line = (await exchange.Anonymous.GetStringAsync("/metrics")).Split('\n').FirstOrDefault(l => l.StartsWith("usage_replays_total ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line["usage_replays_total ".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task A_replayed_batch_returns_the_first_answer_and_counts_nothing_and_a_reused_sequence_conflicts()
    {
        var c = await ContractAsync(exchange);
        var at = c.From.AddSeconds(1);

        var first = await Exchange.Ok(await c.Gateway.PostAsync("/v1/usage", Batch("gw", 7, ("a", c.Contract, at, 3), ("b", "K-none-1", at, 1))));
        var replaysBefore = await ReplaysAsync();
        var replay = await Exchange.Ok(await c.Gateway.PostAsync("/v1/usage", Batch("gw", 7, ("a", c.Contract, at, 3), ("b", "K-none-1", at, 1))));

        Assert.True(replay.GetProperty("duplicate").GetBoolean());
        Assert.True(await ReplaysAsync() > replaysBefore, "a replay is counted as one");
        Assert.Equal(first.GetProperty("accepted").GetInt32(), replay.GetProperty("accepted").GetInt32());
        Assert.Equal(first.GetProperty("rejected").ToString(), replay.GetProperty("rejected").ToString());
        Assert.Equal(3, (await UsedAsync(c.BuyerClient, c.Contract)).GetInt64());
        await ProblemAssert.IsProblem(await c.Gateway.PostAsync("/v1/usage", Batch("gw", 7, ("a", c.Contract, at, 4))), HttpStatusCode.Conflict, "sequence_reused");
        Assert.Equal(3, (await UsedAsync(c.BuyerClient, c.Contract)).GetInt64());
    }

    [Fact]
    public async Task A_split_batch_replayed_after_only_some_shards_committed_completes_the_rest_once()
    {
        var first = await ContractAsync(exchange);
        // A second contract on another shard.
        var options = fixture.Gateway.Services.GetRequiredService<MeterOptions>();
        (string Contract, DateTimeOffset From, DateTimeOffset To, HttpClient Gateway, string Buyer, HttpClient BuyerClient, HttpClient ProviderClient) second;
        do
        {
            second = await ContractAsync(exchange);
        }
        while (MeterShards.ShardOf(second.Contract, options.ShardCount) == MeterShards.ShardOf(first.Contract, options.ShardCount));
        var at = first.From.AddSeconds(1) > second.From.AddSeconds(1) ? first.From.AddSeconds(1) : second.From.AddSeconds(1);
        var records = new[] { ("x1", first.Contract, at, 2L), ("x2", second.Contract, at, 5L) };

        // The crash: the gateway member's batch reached one shard, which committed, and then nothing more.
        var whoami = await Exchange.Ok(await first.Gateway.GetAsync("/v1/whoami"));
        var producer = $"{whoami.GetProperty("participant").GetString()}/gw-split";
        var batch = UsageJson.Read(await Batch("gw-split", 1, records).ReadAsByteArrayAsync(), new UsageLimits());
        var split = UsageSplit.Cut(batch, producer, null, options.ShardCount);
        var grains = fixture.Gateway.Services.GetRequiredService<IGrainFactory>();
        var firstShard = MeterShards.ShardOf(first.Contract, options.ShardCount);
        await grains.GetGrain<IMeterGrain>(firstShard.ToString(System.Globalization.CultureInfo.InvariantCulture)).Apply(split.Parts[firstShard]);

        var retried = await Exchange.Ok(await first.Gateway.PostAsync("/v1/usage", Batch("gw-split", 1, records)));

        Assert.Equal(2, retried.GetProperty("accepted").GetInt32());
        Assert.False(retried.GetProperty("duplicate").GetBoolean());
        Assert.Equal(2, (await UsedAsync(first.BuyerClient, first.Contract)).GetInt64());
        Assert.Equal(5, (await UsedAsync(second.BuyerClient, second.Contract)).GetInt64());
        var again = await Exchange.Ok(await first.Gateway.PostAsync("/v1/usage", Batch("gw-split", 1, records)));
        Assert.True(again.GetProperty("duplicate").GetBoolean());
        Assert.Equal(2, (await UsedAsync(first.BuyerClient, first.Contract)).GetInt64());
    }

    [Fact]
    public async Task NDJSON_and_binary_batches_are_taken_too()
    {
        var c = await ContractAsync(exchange);
        var at = c.From.AddSeconds(1);
        var ndjson = new StringContent($$"""
            {"producer":"nd","sequence":1}
            {"callId":"n1","contract":"{{c.Contract}}","at":"{{at:O}}","units":2}
            {"callId":"n2","contract":"{{c.Contract}}","at":"{{at:O}}","units":3}
            """, Encoding.UTF8, "application/x-ndjson");
        var binary = new ByteArrayContent(UsageFormats.WriteBinary(new UsageBatchRequest("bin", 1, [new UsageRecordRequest("b1", c.Contract, at, 4)])));
        binary.Headers.ContentType = new MediaTypeHeaderValue(UsageBinary.ContentType);

        Assert.Equal(2, (await Exchange.Ok(await c.Gateway.PostAsync("/v1/usage", ndjson))).GetProperty("accepted").GetInt32());
        Assert.Equal(1, (await Exchange.Ok(await c.Gateway.PostAsync("/v1/usage", binary))).GetProperty("accepted").GetInt32());
        Assert.Equal(9, (await UsedAsync(c.BuyerClient, c.Contract)).GetInt64());
    }

    [Fact]
    public async Task Usage_is_refused_to_the_wrong_callers_and_for_unusable_batches_and_nothing_is_counted()
    {
        var c = await ContractAsync(exchange);
        var at = c.From.AddSeconds(1);
        var (_, provider) = await exchange.MemberAsync("prov", "provider");
        var (otherBuyer, otherClient) = await exchange.MemberAsync("other", "buyer");

        await ProblemAssert.IsProblem(await exchange.Anonymous.PostAsync("/v1/usage", Batch("p", 1, ("a", c.Contract, at, 1))), HttpStatusCode.Unauthorized, "unauthenticated");
        await ProblemAssert.IsProblem(await provider.PostAsync("/v1/usage", Batch("p", 1, ("a", c.Contract, at, 1))), HttpStatusCode.Forbidden, "forbidden");
        var foreign = await Exchange.Ok(await otherClient.PostAsync("/v1/usage", Batch("p", 1, ("a", c.Contract, at, 1))));
        Assert.Equal("unknown_contract", foreign.GetProperty("rejected")[0].GetProperty("reason").GetString());
        await ProblemAssert.IsProblem(await c.Gateway.PostAsync("/v1/usage", new StringContent("""{"sequence":1,"records":[]}""", Encoding.UTF8, "application/json")),
            HttpStatusCode.BadRequest, "bad_batch");
        await ProblemAssert.IsProblem(await c.Gateway.PostAsync("/v1/usage", new StringContent("a,b", Encoding.UTF8, "text/csv")), HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        await Exchange.Ok(await exchange.Admin.PostAsync($"/v1/participants/{otherBuyer}/suspend", null));
        await ProblemAssert.IsProblem(await otherClient.PostAsync("/v1/usage", Batch("p", 2, ("a", c.Contract, at, 1))), HttpStatusCode.Forbidden, "participant_not_active");

        Assert.Equal(0, (await UsedAsync(c.BuyerClient, c.Contract)).GetInt64());
        // The buyer itself may report its own usage.
        Assert.Equal(1, (await Exchange.Ok(await c.BuyerClient.PostAsync("/v1/usage", Batch("self", 1, ("a", c.Contract, at, 1))))).GetProperty("accepted").GetInt32());
    }

    [Fact]
    public async Task A_replay_after_a_restart_still_counts_nothing_and_counters_come_back_from_storage()
    {
        var database = await fixture.Postgres.CreateDatabaseAsync();
        string contract, buyerKey, gatewayKey;
        DateTimeOffset at;
        await using (var first = GatewayFactory.Start(database, GatewayFixture.AdminKey))
        {
            var x = new Exchange(first, GatewayFixture.AdminKey);
            var c = await ContractAsync(x, quota: 10);
            (contract, at) = (c.Contract, c.From.AddSeconds(1));
            var whoGateway = (await Exchange.Ok(await c.Gateway.GetAsync("/v1/whoami"))).GetProperty("participant").GetString()!;
            var whoBuyer = (await Exchange.Ok(await c.BuyerClient.GetAsync("/v1/whoami"))).GetProperty("participant").GetString()!;
            gatewayKey = await x.KeyAsync(whoGateway);
            buyerKey = await x.KeyAsync(whoBuyer);
            await Exchange.Ok(await c.Gateway.PostAsync("/v1/usage", Batch("gw", 1, ("a", contract, at, 6))));
        }

        await using var second = GatewayFactory.Start(database, GatewayFixture.AdminKey);
        using var gatewayAgain = second.Client(gatewayKey);
        using var buyerAgain = second.Client(buyerKey);
        var replay = await Exchange.Ok(await gatewayAgain.PostAsync("/v1/usage", Batch("gw", 1, ("a", contract, at, 6))));
        Assert.True(replay.GetProperty("duplicate").GetBoolean());
        Assert.Equal(6, (await UsedAsync(buyerAgain, contract)).GetInt64());

        // The quota left is what storage says: 4 more fit, 5 do not.
        var next = await Exchange.Ok(await gatewayAgain.PostAsync("/v1/usage", Batch("gw", 2, ("b", contract, at, 5), ("c", contract, at, 4))));
        Assert.Equal(1, next.GetProperty("accepted").GetInt32());
        Assert.Equal("quota_exceeded", next.GetProperty("rejected")[0].GetProperty("reason").GetString());
        Assert.Equal(10, (await UsedAsync(buyerAgain, contract)).GetInt64());
    }
}
