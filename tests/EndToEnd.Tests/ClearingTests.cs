using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ClearingCluster.Client;
using ClearingCluster.Wire;
using Npgsql;

namespace ClearingCluster.EndToEnd.Tests;

/// <summary>
/// A clearing day over HTTP: trading and usage, cut-offs while usage flows, compute, settle (twice), statements that
/// match the usage acknowledged, an adjustment posted in the next cycle, money conserved, and a ledger that verifies.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ClearingTests(GatewayFixture fixture)
{
    private const long Price = 1_000;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Exchange exchange = new(fixture.Gateway, GatewayFixture.AdminKey);

    [Fact]
    public async Task A_day_of_usage_settles_exactly_once_across_cut_offs_with_statements_adjustments_and_evidence()
    {
        var (provider, providerClient) = await exchange.MemberAsync("prov", "provider");
        var (buyer, buyerClient) = await exchange.MemberAsync("buyer", "buyer");
        var (other, otherClient) = await exchange.MemberAsync("buyer", "buyer");
        var (_, gateway) = await exchange.MemberAsync("apigw", "gateway");
        var (_, staff) = await exchange.MemberAsync("clr", "clearing");
        await exchange.DepositAsync(buyer, 10_000_000_000, Exchange.NewId("d"));
        await exchange.DepositAsync(other, 10_000_000_000, Exchange.NewId("d"));
        await exchange.FundVouchersAsync(50_000);
        await exchange.Staff.IssueVoucherAsync(new IssueVoucherRequest(Exchange.NewId("v"), buyer, 50_000, ["geo"], DateTimeOffset.UtcNow.AddDays(10), Exchange.NewId("r")));
        var (custodian, custodianClient) = await exchange.MemberAsync("custody", "intermediary");
        var product = Exchange.NewId("prod");
        await new ClearingCluster.Client.ClearingClient(providerClient).SubmitProductAsync(new SubmitProductRequest(product, provider, "Geo API", "api", "call", "geo",
            ["credit-risk"], "api", [new RevenueShareRequest(custodian, "custody", 250)]));
        await exchange.Staff.ReviewProductAsync(product, approve: true, "compliant");
        var k1 = await TradeAsync(providerClient, buyerClient, provider, buyer, product, 10_000);
        var k2 = await TradeAsync(providerClient, otherClient, provider, other, product, 10_000);
        await Exchange.SettleAllOpenAsync(new ClearingClient(staff));
        var totalBefore = await TotalMoneyAsync();

        // Usage flows from two producers while staff cut off twice; the tally is what the Gateway acknowledged.
        var acknowledged = new AcknowledgedUsage([k1, k2]);
        using var stop = new CancellationTokenSource();
        var flowing = Task.WhenAll(new[] { "p1", "p2" }.Select(producer => FlowAsync(gateway, producer, [k1, k2], acknowledged, stop.Token)));
        await acknowledged.WhenAtLeastAsync(50, flowing);
        var first = await CycleAsync(await staff.PostAsync("/v1/clearing/cycles/cutoff", null));
        Assert.Equal("cut_off", first.Status);
        await acknowledged.WhenAtLeastAsync(acknowledged.Total + 50, flowing);
        var second = await CycleAsync(await staff.PostAsync("/v1/clearing/cycles/cutoff", null));
        Assert.Equal(first.Number + 1, second.Number);
        await stop.CancelAsync();
        await flowing;
        var third = await CycleAsync(await staff.PostAsync("/v1/clearing/cycles/cutoff", null));

        // Cycles settle in order: the second waits for the first.
        await ProblemAssert.IsProblem(await staff.PostAsync($"/v1/clearing/cycles/{second.CycleId}/compute", null), HttpStatusCode.Conflict, "previous_cycle_not_settled");
        var units = new Dictionary<string, long> { [k1] = 0, [k2] = 0 };
        foreach (var cycle in new[] { first, second, third })
        {
            var computed = await CycleAsync(await staff.PostAsync($"/v1/clearing/cycles/{cycle.CycleId}/compute", null));
            Assert.Equal("computed", computed.Status);
            var report = computed.Report!;
            Assert.Equal(report.Gross, report.VoucherPaid + report.BuyerPaid);
            Assert.True(report.Shares > 0, "the custodian's share is carved from every contract with usage");
            Assert.Equal(report.Gross, report.Fees + report.Shares + report.ProviderReceived);
            Assert.Equal(0, report.Nets.Sum(n => n.Net));
            var settled = await CycleAsync(await staff.PostAsync($"/v1/clearing/cycles/{cycle.CycleId}/settle", null));
            Assert.Equal("settled", settled.Status);
            Assert.NotNull(settled.LedgerSeq);
            var balances = await BalancesAsync(buyer, other, provider);
            var again = await CycleAsync(await staff.PostAsync($"/v1/clearing/cycles/{cycle.CycleId}/settle", null));
            Assert.Equal(settled.LedgerSeq, again.LedgerSeq);
            Assert.Equal(balances, await BalancesAsync(buyer, other, provider));

            foreach (var (account, contract) in new[] { (buyer, k1), (other, k2) })
            {
                var statement = await Exchange.Ok(await exchange.Admin.GetAsync($"/v1/accounts/{account}/statements/{cycle.CycleId}"));
                var line = statement.Deserialize<StatementResponse>(Json)!.Lines.SingleOrDefault(l => l.ContractId == contract);
                units[contract] += line?.Units ?? 0;
                if (line is not null)
                {
                    Assert.Equal(line.Units * Price, line.Gross);
                    Assert.Equal(line.Gross, line.Voucher + line.BuyerPaid);
                }
            }
        }
        // The intermediary's statement lists the contracts it took a share of: ⌊gross × 250 ÷ 10,000⌋ each.
        var custody = (await Exchange.Ok(await custodianClient.GetAsync($"/v1/accounts/{custodian}/statements/{first.CycleId}"))).Deserialize<StatementResponse>(Json)!;
        Assert.NotEmpty(custody.Lines);
        Assert.All(custody.Lines, l => Assert.Equal(new StatementShareResponse(custodian, l.Gross * 250 / 10_000), Assert.Single(l.Shares)));
        Assert.All(custody.Lines, l => Assert.Equal(l.Gross - l.Fee - l.Gross * 250 / 10_000, l.ProviderReceived));

        // Every acknowledged record in exactly one cycle: none in two, none in neither.
        Assert.Equal(acknowledged.ByContract(), units);
        Assert.Equal(totalBefore, await TotalMoneyAsync());

        // The voucher paid first for the buyer that holds it; its statement says so.
        var buyerStatement = await Exchange.Ok(await buyerClient.GetAsync($"/v1/accounts/{buyer}/statements/{first.CycleId}"));
        Assert.True(buyerStatement.Deserialize<StatementResponse>(Json)!.Lines.Single(l => l.ContractId == k1).Voucher > 0);

        // A member sees only its own statement; CSV on request.
        await ProblemAssert.IsProblem(await otherClient.GetAsync($"/v1/accounts/{buyer}/statements/{first.CycleId}"), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsProblem(await buyerClient.PostAsync("/v1/clearing/cycles/cutoff", null), HttpStatusCode.Forbidden, "forbidden");
        var csvRequest = new HttpRequestMessage(HttpMethod.Get, $"/v1/accounts/{buyer}/statements/{first.CycleId}");
        csvRequest.Headers.Accept.ParseAdd("text/csv");
        var csv = await buyerClient.SendAsync(csvRequest);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.Contains($"contract,{k1},", await csv.Content.ReadAsStringAsync());
        // Refused while asking for CSV only: still a 403 problem document (it was a 500: no writer accepted text/csv).
        var otherCsv = new HttpRequestMessage(HttpMethod.Get, $"/v1/accounts/{buyer}/statements/{first.CycleId}");
        otherCsv.Headers.Accept.ParseAdd("text/csv");
        await ProblemAssert.IsProblem(await otherClient.SendAsync(otherCsv), HttpStatusCode.Forbidden, "forbidden");

        // A disputed call refunded: recorded against the first cycle, posted in the open one, in both statements.
        var refund = Exchange.NewId("adj");
        var adjustment = await Exchange.Ok(await staff.PostAsJsonAsync($"/v1/clearing/cycles/{first.CycleId}/adjustments",
            new AdjustmentRequest(refund, provider, buyer, 777, "disputed call refunded", k1)), HttpStatusCode.Created);
        var postedIn = adjustment.GetProperty("postedIn").GetString()!;
        var buyerBefore = (await exchange.AccountAsync(buyer)).GetProperty("available").GetInt64();
        var fourth = await CycleAsync(await staff.PostAsync("/v1/clearing/cycles/cutoff", null));
        Assert.Equal(postedIn, fourth.CycleId);
        await CycleAsync(await staff.PostAsync($"/v1/clearing/cycles/{fourth.CycleId}/compute", null));
        var settledFourth = await CycleAsync(await staff.PostAsync($"/v1/clearing/cycles/{fourth.CycleId}/settle", null));
        Assert.Equal(777, settledFourth.Report!.Adjustments);
        Assert.Equal(buyerBefore + 777, (await exchange.AccountAsync(buyer)).GetProperty("available").GetInt64());
        foreach (var cycle in new[] { first.CycleId, fourth.CycleId })
        {
            var statement = (await Exchange.Ok(await buyerClient.GetAsync($"/v1/accounts/{buyer}/statements/{cycle}"))).Deserialize<StatementResponse>(Json)!;
            Assert.Contains(statement.Adjustments, a => a.Id == refund);
        }
        Assert.Equal(totalBefore, await TotalMoneyAsync());

        var verify = await Exchange.Ok(await exchange.Admin.GetAsync("/v1/ledger/verify"));
        Assert.True(verify.GetProperty("ok").GetBoolean(), verify.ToString());
        var entries = await Exchange.Ok(await exchange.Admin.GetAsync($"/v1/ledger/entries?kind=clearing.settled&subject={first.CycleId}"));
        Assert.Equal(first.CycleId, entries.GetProperty("entries")[0].GetProperty("payload").GetProperty("cycle").GetString());
        var reconciliation = await Exchange.Ok(await exchange.Admin.GetAsync("/v1/reconciliation"));
        Assert.True(reconciliation.GetProperty("ok").GetBoolean(), reconciliation.ToString());
    }

    [Fact]
    public async Task Steps_out_of_order_are_refused_and_change_nothing()
    {
        var (_, staff) = await exchange.MemberAsync("clr", "clearing");
        await Exchange.SettleAllOpenAsync(new ClearingClient(staff));
        var open = (await Exchange.Ok(await staff.GetAsync("/v1/clearing/cycles?limit=1"))).Deserialize<CyclePageResponse>(Json)!.Cycles[0];
        Assert.Equal("open", open.Status);
        await ProblemAssert.IsProblem(await staff.PostAsync($"/v1/clearing/cycles/{open.CycleId}/compute", null), HttpStatusCode.Conflict, "cycle_not_cut_off");
        await ProblemAssert.IsProblem(await staff.PostAsync($"/v1/clearing/cycles/{open.CycleId}/settle", null), HttpStatusCode.Conflict, "cycle_not_computed");
        await ProblemAssert.IsProblem(await staff.PostAsync("/v1/clearing/cycles/c999999/compute", null), HttpStatusCode.NotFound, "unknown_cycle");
        await ProblemAssert.IsProblem(await staff.PostAsJsonAsync($"/v1/clearing/cycles/{open.CycleId}/adjustments",
            new AdjustmentRequest("a1", "exchange", "voucher-fund", 1, "x")), HttpStatusCode.Conflict, "cycle_not_settled");
        await ProblemAssert.IsProblem(await exchange.Anonymous.GetAsync("/v1/clearing/cycles"), HttpStatusCode.Unauthorized, "unauthenticated");
        // Staff do not record corrections in their own favour.
        var staffId = (await Exchange.Ok(await staff.GetAsync("/v1/whoami"))).GetProperty("participant").GetString()!;
        await ProblemAssert.IsProblem(await staff.PostAsJsonAsync($"/v1/clearing/cycles/{open.CycleId}/adjustments",
            new AdjustmentRequest("a2", "exchange", staffId, 1, "x")), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsProblem(await exchange.Admin.GetAsync($"/v1/accounts/nobody-at-all/statements/{open.CycleId}"), HttpStatusCode.NotFound, "unknown_account");
        var after = (await Exchange.Ok(await staff.GetAsync($"/v1/clearing/cycles/{open.CycleId}"))).Deserialize<CycleResponse>(Json)!;
        Assert.Equal(JsonSerializer.Serialize(open, Json), JsonSerializer.Serialize(after, Json));
    }

    [Fact]
    public async Task An_adjustment_its_payer_cannot_cover_fails_the_settlement_whole_until_the_money_is_there()
    {
        var (_, staff) = await exchange.MemberAsync("clr", "clearing");
        var (payer, _) = await exchange.MemberAsync("prov", "provider");
        var (payee, _) = await exchange.MemberAsync("buyer", "buyer");
        await Exchange.SettleAllOpenAsync(new ClearingClient(staff));
        var settled = await CycleAsync(await staff.PostAsync("/v1/clearing/cycles/cutoff", null));
        await CycleAsync(await staff.PostAsync($"/v1/clearing/cycles/{settled.CycleId}/compute", null));
        await CycleAsync(await staff.PostAsync($"/v1/clearing/cycles/{settled.CycleId}/settle", null));

        var id = Exchange.NewId("adj");
        await Exchange.Ok(await staff.PostAsJsonAsync($"/v1/clearing/cycles/{settled.CycleId}/adjustments",
            new AdjustmentRequest(id, payer, payee, 1_000, "refund")), HttpStatusCode.Created);
        await Exchange.Ok(await staff.PostAsJsonAsync($"/v1/clearing/cycles/{settled.CycleId}/adjustments",
            new AdjustmentRequest(id, payer, payee, 1_000, "refund")), HttpStatusCode.Created);
        await ProblemAssert.IsProblem(await staff.PostAsJsonAsync($"/v1/clearing/cycles/{settled.CycleId}/adjustments",
            new AdjustmentRequest(id, payer, payee, 2_000, "refund")), HttpStatusCode.Conflict, "adjustment_exists");
        await ProblemAssert.IsProblem(await staff.PostAsJsonAsync($"/v1/clearing/cycles/{settled.CycleId}/adjustments",
            new AdjustmentRequest(Exchange.NewId("adj"), payer, payee, 1, "refund", "K-nothing-1")), HttpStatusCode.NotFound, "unknown_contract");

        var next = await CycleAsync(await staff.PostAsync("/v1/clearing/cycles/cutoff", null));
        await CycleAsync(await staff.PostAsync($"/v1/clearing/cycles/{next.CycleId}/compute", null));
        var total = await TotalMoneyAsync();
        await ProblemAssert.IsProblem(await staff.PostAsync($"/v1/clearing/cycles/{next.CycleId}/settle", null), HttpStatusCode.ServiceUnavailable, "settlement_failed");
        Assert.Equal("computed", (await CycleAsync(await staff.GetAsync($"/v1/clearing/cycles/{next.CycleId}"))).Status);
        Assert.Equal(total, await TotalMoneyAsync());

        await exchange.DepositAsync(payer, 1_000, Exchange.NewId("d"));
        Assert.Equal("settled", (await CycleAsync(await staff.PostAsync($"/v1/clearing/cycles/{next.CycleId}/settle", null))).Status);
        Assert.Equal(0, (await exchange.AccountAsync(payer)).GetProperty("available").GetInt64());
        Assert.Equal(1_000, (await exchange.AccountAsync(payee)).GetProperty("available").GetInt64());
    }

    private static async Task<string> TradeAsync(HttpClient providerClient, HttpClient buyerClient, string provider, string buyer, string product, long quantity)
    {
        await Exchange.Ok(await providerClient.PostAsJsonAsync("/v1/orders", new { clientOrderId = Exchange.NewId("s"), participant = provider, product, side = "sell", price = Price, quantity }),
            HttpStatusCode.Created);
        var order = await Exchange.Ok(await buyerClient.PostAsJsonAsync("/v1/orders", new
        {
            clientOrderId = Exchange.NewId("b"), participant = buyer, product, side = "buy", price = Price, quantity, scenario = "credit-risk", validityDays = 30,
        }), HttpStatusCode.Created);
        return order.GetProperty("contracts")[0].GetString()!;
    }

    /// <summary>Sends batches until told to stop, counting only what the Gateway acknowledged as accepted.</summary>
    private static async Task FlowAsync(HttpClient gateway, string producer, string[] contracts, AcknowledgedUsage acknowledged, CancellationToken stop)
    {
        var name = Exchange.NewId(producer);
        for (long sequence = 1; !stop.IsCancellationRequested; sequence++)
        {
            var contract = contracts[sequence % contracts.Length];
            var units = 1 + sequence % 3;
            var body = JsonSerializer.Serialize(new
            {
                producer = name, sequence, records = new[] { new { callId = $"{name}-{sequence}", contract, at = DateTimeOffset.UtcNow, units } },
            });
            var answer = await Exchange.Ok(await gateway.PostAsync("/v1/usage", new StringContent(body, Encoding.UTF8, "application/json")));
            Assert.Equal(1, answer.GetProperty("accepted").GetInt32());
            acknowledged.Add(contract, units);
        }
    }

    /// <summary>Units the Gateway acknowledged per contract; a wait for a total is woken by the acknowledgement that reaches it.</summary>
    private sealed class AcknowledgedUsage(IEnumerable<string> contracts)
    {
        private readonly Dictionary<string, long> units = contracts.ToDictionary(c => c, _ => 0L);
        private readonly List<(long AtLeast, TaskCompletionSource Reached)> waiters = [];

        public long Total
        {
            get
            {
                lock (units)
                {
                    return units.Values.Sum();
                }
            }
        }

        public Dictionary<string, long> ByContract()
        {
            lock (units)
            {
                return new Dictionary<string, long>(units);
            }
        }

        public void Add(string contract, long amount)
        {
            lock (units)
            {
                units[contract] += amount;
                var total = units.Values.Sum();
                foreach (var waiter in waiters.Where(w => w.AtLeast <= total).ToList())
                {
                    waiters.Remove(waiter);
                    waiter.Reached.TrySetResult();
                }
            }
        }

        /// <summary>Completes once <paramref name="atLeast"/> units are acknowledged; fails if the flow ends first.</summary>
        public async Task WhenAtLeastAsync(long atLeast, Task flowing)
        {
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (units)
            {
                if (units.Values.Sum() >= atLeast)
                {
                    return;
                }
                waiters.Add((atLeast, reached));
            }
            if (await Task.WhenAny(reached.Task, flowing) == flowing)
            {
                await flowing;
                throw new InvalidOperationException("the usage flow ended before the usage awaited");
            }
        }
    }

    private static async Task<CycleResponse> CycleAsync(HttpResponseMessage response) =>
        (await Exchange.Ok(response)).Deserialize<CycleResponse>(Json)!;

    private async Task<string> BalancesAsync(params string[] accounts)
    {
        var all = new StringBuilder();
        foreach (var account in accounts)
        {
            all.AppendLine((await exchange.AccountAsync(account)).ToString());
        }
        return all.ToString();
    }

    private async Task<long> TotalMoneyAsync()
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT coalesce(sum(available_micros + held_micros + escrow_micros + backing_micros), 0)::bigint FROM accounts", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
