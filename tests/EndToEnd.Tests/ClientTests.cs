using System.Net;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClearingCluster.Client;
using ClearingCluster.TestSupport;
using ClearingCluster.Wire;

using static ClearingCluster.EndToEnd.Tests.TypedOrders;

namespace ClearingCluster.EndToEnd.Tests;

/// <summary>The typed client against the real Gateway: every operation, refusals as typed problems, in-doubt requests re-sent safely.</summary>
[Collection(GatewayCollection.Name)]
public sealed class ClientTests(GatewayFixture fixture)
{
    private readonly Exchange exchange = new(fixture.Gateway, GatewayFixture.AdminKey);

    [Fact]
    public void The_client_has_a_method_for_every_operation_in_the_contract()
    {
        var document = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "docs", "openapi.json")))!;
        var operationIds = document["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Select(o => o.Value?["operationId"]?.GetValue<string>()))
            .OfType<string>().ToList();
        var methods = typeof(ClearingClient).GetMethods(BindingFlags.Public | BindingFlags.Instance).Select(m => m.Name).ToHashSet();

        Assert.True(operationIds.Count >= 34, $"only {operationIds.Count} operations");
        Assert.All(operationIds, id => Assert.Contains(char.ToUpperInvariant(id[0]) + id[1..] + "Async", methods));
    }

    [Fact]
    public async Task A_trading_day_through_the_client_touches_every_route()
    {
        var admin = exchange.Staff;
        Assert.Contains("admin", (await admin.WhoAmIAsync()).Roles);
        Assert.Equal("live", (await admin.GetLivenessAsync()).Status);
        Assert.Equal("ready", (await admin.GetReadinessAsync()).Status);

        var provider = Exchange.NewId("cprov");
        var buyer = Exchange.NewId("cbuy");
        var gateway = Exchange.NewId("cgw");
        foreach (var (id, role) in new[] { (provider, "provider"), (buyer, "buyer"), (gateway, "gateway") })
        {
            Assert.Equal("pending", (await admin.RegisterParticipantAsync(new RegisterParticipantRequest(id, $"{id} Ltd", [role], 2))).Status);
            Assert.Equal("active", (await admin.ApproveParticipantAsync(id)).Status);
        }
        var providerClient = exchange.Typed((await admin.IssueKeyAsync(provider)).Key);
        var buyerKey = await admin.IssueKeyAsync(buyer);
        var buyerClient = exchange.Typed(buyerKey.Key);
        var gatewayClient = exchange.Typed((await admin.IssueKeyAsync(gateway)).Key);
        Assert.Equal(buyer, (await buyerClient.GetParticipantAsync(buyer)).Id);

        Assert.Equal(50_000_000, (await admin.DepositFundsAsync(buyer, 50_000_000, "fund-1")).Available);
        Assert.Equal(49_000_000, (await admin.WithdrawFundsAsync(buyer, 1_000_000, "out-1")).Available);
        await exchange.FundVouchersAsync(200_000);
        var voucher = await admin.IssueVoucherAsync(new IssueVoucherRequest(
            Exchange.NewId("v"), buyer, 200_000, ["geo"], DateTimeOffset.UtcNow.AddDays(30), Exchange.NewId("vref")));
        Assert.Equal((200_000L, 200_000L), (voucher.Amount, voucher.Remaining));
        Assert.Single((await buyerClient.GetAccountAsync(buyer)).Vouchers);

        var product = Exchange.NewId("cprod");
        var submitted = await providerClient.SubmitProductAsync(
            new SubmitProductRequest(product, provider, "Geo API", "api", "call", "geo", ["credit-risk"], "api"));
        Assert.Equal("pending_review", submitted.Status);
        Assert.Equal("listed", (await admin.ReviewProductAsync(product, approve: true, "compliant")).Status);
        Assert.Equal(provider, (await buyerClient.GetProductAsync(product)).Provider);

        // A sell rests, a buy crosses it: a contract.
        Assert.Equal("resting", (await providerClient.PlaceOrderAsync(Sell(provider, product, "s-1", 100, 1_000))).Status);
        var bought = await buyerClient.PlaceOrderAsync(Buy(buyer, product, "b-1", 100, 400));
        Assert.Equal(400, bought.Filled);
        var contractId = Assert.Single(bought.Contracts);
        Assert.Equal(600, Assert.Single((await buyerClient.GetOrderBookAsync(product)).Asks).Quantity);
        Assert.Equal(bought.OrderId, (await buyerClient.GetOrderAsync(bought.OrderId)).OrderId);

        // A gateway the buyer authorised enters a batch for it; the buyer reduces and cancels what rests.
        Assert.Contains(gateway, (await buyerClient.AuthoriseGatewayAsync(buyer, gateway)).Gateways);
        var batch = await gatewayClient.PlaceOrdersAsync([Buy(buyer, product, "b-2", 90, 50), Buy(buyer, product, "b-3", 80, 50)]);
        Assert.Equal((2, 0), (batch.Placed, batch.Refused));
        Assert.All(batch.Results, r => Assert.Equal(gateway, r.Order!.EnteredBy));
        Assert.Equal(20, (await buyerClient.ReduceOrderAsync(batch.Results[0].Order!.OrderId, 20)).Remaining);
        Assert.Equal("cancelled", (await gatewayClient.CancelOrderAsync(batch.Results[1].Order!.OrderId)).Status);
        Assert.DoesNotContain(gateway, (await buyerClient.RevokeGatewayAsync(buyer, gateway)).Gateways);

        var contract = await buyerClient.GetContractAsync(contractId);
        Assert.Equal((400L, 0L), (contract.Quota, contract.Used));
        Assert.Equal(contractId, Assert.Single((await buyerClient.ListContractsAsync(buyer)).Items).Id);
        var evidence = await buyerClient.GetContractEvidenceAsync(contractId);
        Assert.Equal(contract.EvidenceCode, evidence.EvidenceCode);
        Assert.Equal(evidence.Root, evidence.Entry.Payload["root"]!.GetValue<string>());

        // Usage in each encoding, counted once each.
        var at = DateTimeOffset.UtcNow;
        foreach (var (encoding, sequence) in new[] { (UsageEncoding.Json, 1L), (UsageEncoding.Ndjson, 2L), (UsageEncoding.Binary, 3L) })
        {
            var answer = await buyerClient.SubmitUsageAsync(new UsageBatchRequest("meter-1", sequence,
                [new UsageRecordRequest($"call-{sequence}", contractId, at, 5)]), encoding);
            Assert.Equal((1, false), (answer.Accepted, answer.Duplicate));
        }
        Assert.Equal(15, (await buyerClient.GetContractAsync(contractId)).Used);

        var account = await buyerClient.GetAccountAsync(buyer);
        Assert.Equal(400 * 100, account.Escrow);
        Assert.Equal(20 * 90, account.Held);

        var page = await admin.ListLedgerEntriesAsync(0, 1000);
        Assert.NotEmpty(page.Entries);
        Assert.True((await admin.VerifyLedgerAsync()).Ok);
        Assert.True((await admin.ReconcileTradingAsync()).Participants > 0);
        Assert.Equal(1024, (await admin.GetClusterAsync()).Partitions);
        Assert.Contains("http_requests_total", await admin.GetMetricsAsync());

        // Staff's remaining moves: a key revoked, a member suspended, a product suspended and delisted.
        Assert.True((await admin.RevokeKeyAsync(buyer, buyerKey.KeyId)).Revoked);
        Assert.Equal("suspended", (await admin.SuspendParticipantAsync(gateway)).Status);
        Assert.Equal("suspended", (await admin.SuspendProductAsync(product, "review")).Status);
        Assert.Equal("delisted", (await admin.DelistProductAsync(product, "withdrawn")).Status);
    }

    [Fact]
    public async Task Refusals_arrive_as_typed_problems_naming_the_rule()
    {
        var (member, memberHttp) = await exchange.MemberAsync("cref", "buyer");
        var (other, _) = await exchange.MemberAsync("cother", "buyer");
        var client = new ClearingClient(memberHttp);

        var forbidden = await Assert.ThrowsAsync<ClearingProblemException>(() => client.GetAccountAsync(other));
        Assert.Equal((HttpStatusCode.Forbidden, "forbidden"), (forbidden.Status, forbidden.Code));
        var missing = await Assert.ThrowsAsync<ClearingProblemException>(() => client.GetOrderAsync("no-such-product:1"));
        Assert.Equal((HttpStatusCode.NotFound, "urn:clearing:problem:unknown_order"), (missing.Status, missing.Type));
        var unauthenticated = await Assert.ThrowsAsync<ClearingProblemException>(() => exchange.Typed(null).WhoAmIAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.Status);
        var staffOnly = await Assert.ThrowsAsync<ClearingProblemException>(() => client.DepositFundsAsync(member, 1, "self-help"));
        Assert.Equal(HttpStatusCode.Forbidden, staffOnly.Status);
    }

    [Fact]
    public async Task An_in_doubt_usage_batch_resent_by_the_client_is_counted_once()
    {
        var (provider, providerHttp) = await exchange.MemberAsync("dprov", "provider");
        var (buyer, buyerHttp) = await exchange.MemberAsync("dbuy", "buyer");
        await exchange.DepositAsync(buyer, 10_000_000, "funding");
        var product = await exchange.ListedProductAsync(provider, providerHttp);
        await new ClearingClient(providerHttp).PlaceOrderAsync(Sell(provider, product, "s-1", 100, 1_000));
        var contract = Assert.Single((await new ClearingClient(buyerHttp).PlaceOrderAsync(Buy(buyer, product, "b-1", 100, 1_000))).Contracts);

        var lossy = new LoseFirstAnswer("/v1/usage");
        var client = Lossy(buyerHttp, lossy);
        var records = Enumerable.Range(0, 10).Select(i => new UsageRecordRequest($"doubt-{i}", contract, DateTimeOffset.UtcNow, 3)).ToList();

        var answer = await client.SubmitUsageAsync(new UsageBatchRequest("doubtful", 1, records), UsageEncoding.Binary);

        Assert.Equal(2, lossy.Sent);
        Assert.True(answer.Duplicate, "the re-sent batch is answered as the one already taken");
        Assert.Equal(10, answer.Accepted);
        Assert.Equal(30, (await client.GetContractAsync(contract)).Used);
    }

    [Fact]
    public async Task An_in_doubt_order_resent_by_the_client_is_placed_once()
    {
        var (provider, providerHttp) = await exchange.MemberAsync("oprov", "provider");
        var (buyer, buyerHttp) = await exchange.MemberAsync("obuy", "buyer");
        await exchange.DepositAsync(buyer, 10_000_000, "funding");
        var product = await exchange.ListedProductAsync(provider, providerHttp);
        var lossy = new LoseFirstAnswer("/v1/orders");
        var client = Lossy(buyerHttp, lossy);

        var order = await client.PlaceOrderAsync(Buy(buyer, product, "doubt-1", 250, 40));

        Assert.Equal(2, lossy.Sent);
        Assert.Equal("resting", order.Status);
        Assert.Equal(250 * 40, (await client.GetAccountAsync(buyer)).Held);
        Assert.Equal(40, Assert.Single((await client.GetOrderBookAsync(product)).Bids).Quantity);
    }

    [Fact]
    public async Task A_clearing_cycle_through_the_client_cuts_off_computes_settles_states_and_adjusts()
    {
        var (_, staff) = await exchange.ClearingStaffAsync();
        await Exchange.SettleAllOpenAsync(staff);
        var (provider, providerHttp) = await exchange.MemberAsync("kprov", "provider");
        var (buyer, buyerHttp) = await exchange.MemberAsync("kbuy", "buyer");
        await exchange.DepositAsync(buyer, 10_000_000, Exchange.NewId("d"));
        var product = await exchange.ListedProductAsync(provider, providerHttp);
        var buyerClient = new ClearingClient(buyerHttp);
        await new ClearingClient(providerHttp).PlaceOrderAsync(Sell(provider, product, "s-1", 1_000, 1_000));
        var contract = Assert.Single((await buyerClient.PlaceOrderAsync(Buy(buyer, product, "b-1", 1_000, 500))).Contracts);
        var other = Assert.Single((await buyerClient.PlaceOrderAsync(Buy(buyer, product, "b-2", 1_000, 500))).Contracts);
        await buyerClient.SubmitUsageAsync(new UsageBatchRequest("kmeter", 1,
            [new UsageRecordRequest("k-1", contract, DateTimeOffset.UtcNow, 40), new UsageRecordRequest("k-2", other, DateTimeOffset.UtcNow, 10)]));

        var open = (await staff.ListCyclesAsync(limit: 1)).Cycles[0];
        var refused = await Assert.ThrowsAsync<ClearingProblemException>(() => staff.ComputeCycleAsync(open.CycleId));
        Assert.Equal((HttpStatusCode.Conflict, "cycle_not_cut_off"), (refused.Status, refused.Code));
        var cut = await staff.CutOffCycleAsync();
        Assert.Equal((open.CycleId, "cut_off"), (cut.CycleId, cut.Status));
        var computed = await staff.ComputeCycleAsync(cut.CycleId);
        Assert.Equal("computed", computed.Status);
        var report = computed.Report!;
        Assert.Equal(report.Gross, report.Fees + report.Shares + report.ProviderReceived);
        Assert.Equal(0, report.Nets.Sum(n => n.Net));
        Assert.Equal(JsonSerializer.Serialize(report), JsonSerializer.Serialize((await staff.ComputeCycleAsync(cut.CycleId)).Report));
        var settled = await staff.SettleCycleAsync(cut.CycleId);
        Assert.Equal("settled", settled.Status);
        Assert.Equal(settled.LedgerSeq, (await staff.SettleCycleAsync(cut.CycleId)).LedgerSeq);

        Assert.Equal(settled.LedgerSeq, (await exchange.Staff.GetCycleAsync(cut.CycleId)).LedgerSeq);
        var page = await exchange.Staff.ListCyclesAsync(limit: 2);
        Assert.Equal(new[] { "open", "settled" }, page.Cycles.Select(c => c.Status));
        Assert.Equal(cut.CycleId, page.Cycles[1].CycleId);
        Assert.NotNull(page.NextBefore);
        Assert.DoesNotContain(cut.CycleId, (await exchange.Staff.ListCyclesAsync(before: cut.Number)).Cycles.Select(c => c.CycleId));
        var reportCsv = await exchange.Staff.GetCycleCsvAsync(cut.CycleId);
        Assert.StartsWith("cycle,status,cut_at,", reportCsv, StringComparison.Ordinal);
        Assert.Contains($"{cut.CycleId},settled,", reportCsv, StringComparison.Ordinal);
        var missing = await Assert.ThrowsAsync<ClearingProblemException>(() => staff.GetCycleAsync("c999999"));
        Assert.Equal((HttpStatusCode.NotFound, "unknown_cycle"), (missing.Status, missing.Code));

        var statement = await buyerClient.GetStatementAsync(buyer, cut.CycleId);
        Assert.Equal(40_000, statement.Lines.Single(l => l.ContractId == contract).Gross);
        Assert.Equal(10_000, statement.Lines.Single(l => l.ContractId == other).Gross);
        var firstPage = await buyerClient.GetStatementAsync(buyer, cut.CycleId, limit: 1);
        var secondPage = await buyerClient.GetStatementAsync(buyer, cut.CycleId, after: firstPage.NextAfter, limit: 1);
        Assert.Equal(statement.Lines.Select(l => l.ContractId), firstPage.Lines.Concat(secondPage.Lines).Select(l => l.ContractId));
        Assert.Null(secondPage.NextAfter);
        var csv = await buyerClient.GetStatementCsvAsync(buyer, cut.CycleId, limit: 1);
        Assert.Equal(1, csv.Split("\r\n").Count(row => row.StartsWith("contract,", StringComparison.Ordinal)));
        Assert.Contains($"contract,{firstPage.Lines[0].ContractId},", csv, StringComparison.Ordinal);

        var refund = new AdjustmentRequest(Exchange.NewId("adj"), provider, buyer, 700, "disputed calls refunded", contract);
        var recorded = await staff.RecordAdjustmentAsync(cut.CycleId, refund);
        Assert.Equal((cut.CycleId, "disputed calls refunded"), (recorded.AgainstCycle, recorded.Reason));
        Assert.Equal(recorded.At, (await staff.RecordAdjustmentAsync(cut.CycleId, refund)).At);
        var taken = await Assert.ThrowsAsync<ClearingProblemException>(() => staff.RecordAdjustmentAsync(cut.CycleId, refund with { Amount = 701 }));
        Assert.Equal((HttpStatusCode.Conflict, "adjustment_exists"), (taken.Status, taken.Code));
        Assert.Equal(refund.Id, Assert.Single((await exchange.Staff.ListAdjustmentsAsync(cut.CycleId)).Adjustments).Id);

        // The adjustment is posted in the cycle open now: settled here, the sequence stays clean for the next test.
        var next = await staff.CutOffCycleAsync();
        Assert.Equal(recorded.PostedIn, next.CycleId);
        await staff.ComputeCycleAsync(next.CycleId);
        Assert.Equal(700, (await staff.SettleCycleAsync(next.CycleId)).Report!.Adjustments);
    }

    [Fact]
    public async Task An_in_doubt_cut_off_is_not_resent_and_an_in_doubt_settlement_is()
    {
        var (_, staff) = await exchange.ClearingStaffAsync();
        await Exchange.SettleAllOpenAsync(staff);
        var (_, http) = await exchange.MemberAsync("clr", "clearing");
        var open = (await staff.ListCyclesAsync(limit: 1)).Cycles[0];

        // A second cut-off would close the next cycle: the client gives up and the caller reads what happened.
        var lossyCut = new LoseFirstAnswer("/v1/clearing/cycles/cutoff");
        await Assert.ThrowsAsync<HttpRequestException>(() => Lossy(http, lossyCut).CutOffCycleAsync());
        Assert.Equal(1, lossyCut.Sent);
        var cycles = (await staff.ListCyclesAsync(limit: 2)).Cycles;
        Assert.Equal(new[] { ("open", open.Number + 1), ("cut_off", open.Number) }, cycles.Select(c => (c.Status, c.Number)));

        await staff.ComputeCycleAsync(open.CycleId);
        var lossySettle = new LoseFirstAnswer($"/v1/clearing/cycles/{open.CycleId}/settle");
        var settled = await Lossy(http, lossySettle).SettleCycleAsync(open.CycleId);
        Assert.Equal(2, lossySettle.Sent);
        Assert.Equal("settled", settled.Status);
        Assert.Equal(settled.LedgerSeq, (await staff.GetCycleAsync(open.CycleId)).LedgerSeq);
    }

    /// <summary>The same key and address as <paramref name="template"/>, through a transport that loses an answer.</summary>
    private static ClearingClient Lossy(HttpClient template, LoseFirstAnswer lossy)
    {
        lossy.InnerHandler = new SocketsHttpHandler();
        var http = new HttpClient(lossy) { BaseAddress = template.BaseAddress };
        http.DefaultRequestHeaders.Authorization = template.DefaultRequestHeaders.Authorization;
        return new ClearingClient(http, new ClearingClientOptions { RetryDelay = TimeSpan.FromMilliseconds(10) });
    }

    /// <summary>
    /// The connection breaks after the Gateway handled the first POST to a path and before its answer arrives: the
    /// request is in doubt for the client, done for the Gateway. The Gateway itself is real; only the answer is lost.
    /// </summary>
    private sealed class LoseFirstAnswer(string path) : DelegatingHandler
    {
        private int sent;

        public int Sent => Volatile.Read(ref sent);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath == path && Interlocked.Increment(ref sent) == 1)
            {
                Assert.True(response.IsSuccessStatusCode, $"the first attempt itself failed: {(int)response.StatusCode}");
                response.Dispose();
                throw new HttpRequestException("the connection was reset before the answer arrived (simulated)");
            }
            return response;
        }
    }
}
