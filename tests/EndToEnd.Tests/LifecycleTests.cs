using System.Net;
using ClearingCluster.Client;
using ClearingCluster.Wire;

using static ClearingCluster.EndToEnd.Tests.TypedOrders;

namespace ClearingCluster.EndToEnd.Tests;

/// <summary>Nothing stuck and nothing trading that should not: suspension and delisting pull orders, staff cancel any order.</summary>
[Collection(GatewayCollection.Name)]
public sealed class LifecycleTests(GatewayFixture fixture)
{
    private readonly Exchange exchange = new(fixture.Gateway, GatewayFixture.AdminKey);

    private sealed record Market(string Product, string Provider, ClearingClient ProviderClient, string Buyer, ClearingClient BuyerClient);

    private async Task<Market> MarketAsync()
    {
        var (provider, providerHttp) = await exchange.MemberAsync("lprov", "provider");
        var (buyer, buyerHttp) = await exchange.MemberAsync("lbuy", "buyer");
        await exchange.DepositAsync(buyer, 10_000_000, "funding");
        var product = await exchange.ListedProductAsync(provider, providerHttp);
        return new Market(product, provider, new ClearingClient(providerHttp), buyer, new ClearingClient(buyerHttp));
    }

    /// <summary>The money invariants: held is the value of resting buys for every account, escrow what contracts took.</summary>
    private async Task MoneyReconcilesAsync()
    {
        var reconciliation = await exchange.Staff.ReconcileTradingAsync();
        Assert.True(reconciliation.Ok, string.Join("; ", reconciliation.Mismatches));
    }

    private async Task<List<LedgerEntryResponse>> LedgerAsync()
    {
        var entries = new List<LedgerEntryResponse>();
        for (long? after = 0; after is { } from;)
        {
            var page = await exchange.Staff.ListLedgerEntriesAsync(from, 1000);
            entries.AddRange(page.Entries);
            after = page.Next;
        }
        return entries;
    }

    [Fact]
    public async Task Suspending_a_member_pulls_its_resting_orders_so_they_cannot_fill()
    {
        var m = await MarketAsync();
        var bid = await m.BuyerClient.PlaceOrderAsync(Buy(m.Buyer, m.Product, "b-1", 200, 100));
        var ask = await m.ProviderClient.PlaceOrderAsync(Sell(m.Provider, m.Product, "s-1", 500, 100));
        Assert.Equal(200 * 100, (await m.BuyerClient.GetAccountAsync(m.Buyer)).Held);

        Assert.Equal("suspended", (await exchange.Staff.SuspendParticipantAsync(m.Buyer)).Status);

        var pulled = await exchange.Staff.GetOrderAsync(bid.OrderId);
        Assert.Equal(("cancelled", "participant_suspended", 100L), (pulled.Status, pulled.Reason, pulled.Cancelled));
        Assert.Equal(0, (await exchange.Staff.GetAccountAsync(m.Buyer)).Held);
        Assert.Equal("resting", (await exchange.Staff.GetOrderAsync(ask.OrderId)).Status);
        // A sell that would have crossed the pulled bid finds nothing, and makes no contract for the suspended member.
        var sell = await m.ProviderClient.PlaceOrderAsync(Sell(m.Provider, m.Product, "s-2", 100, 50));
        Assert.Equal(("resting", 0L), (sell.Status, sell.Filled));
        Assert.Empty((await exchange.Staff.ListContractsAsync(m.Buyer)).Items);
        var refused = await Assert.ThrowsAsync<ClearingProblemException>(() => m.BuyerClient.PlaceOrderAsync(Buy(m.Buyer, m.Product, "b-2", 500, 1)));
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Contains(await LedgerAsync(), e => e.Kind == "participant.orders_pulled" && e.Subject == m.Buyer);
        await MoneyReconcilesAsync();
    }

    [Fact]
    public async Task Delisting_a_product_pulls_every_resting_order_and_releases_every_hold()
    {
        var m = await MarketAsync();
        var (second, secondHttp) = await exchange.MemberAsync("lbuy2", "buyer");
        await exchange.DepositAsync(second, 5_000_000, "funding");
        var bids = new[]
        {
            await m.BuyerClient.PlaceOrderAsync(Buy(m.Buyer, m.Product, "b-1", 300, 40)),
            await m.BuyerClient.PlaceOrderAsync(Buy(m.Buyer, m.Product, "b-2", 250, 10)),
            await new ClearingClient(secondHttp).PlaceOrderAsync(Buy(second, m.Product, "b-1", 280, 20)),
        };
        var ask = await m.ProviderClient.PlaceOrderAsync(Sell(m.Provider, m.Product, "s-1", 900, 100));

        Assert.Equal("delisted", (await exchange.Staff.DelistProductAsync(m.Product, "provider withdrew it")).Status);

        foreach (var order in bids.Append(ask))
        {
            var after = await exchange.Staff.GetOrderAsync(order.OrderId);
            Assert.Equal(("cancelled", "product_delisted"), (after.Status, after.Reason));
            Assert.Equal(after.Quantity, after.Filled + after.Remaining + after.Cancelled);
        }
        Assert.Equal(0, (await exchange.Staff.GetAccountAsync(m.Buyer)).Held);
        Assert.Equal(0, (await exchange.Staff.GetAccountAsync(second)).Held);
        var book = await exchange.Staff.GetOrderBookAsync(m.Product);
        Assert.Empty(book.Bids);
        Assert.Empty(book.Asks);
        // Repeating the delisting tells the book again (nothing left to pull) and answers the product.
        Assert.Equal("delisted", (await exchange.Staff.DelistProductAsync(m.Product, "again")).Status);
        await MoneyReconcilesAsync();
    }

    [Fact]
    public async Task Staff_cancel_any_order_recorded_as_such_and_others_may_not()
    {
        var m = await MarketAsync();
        var bid = await m.BuyerClient.PlaceOrderAsync(Buy(m.Buyer, m.Product, "b-1", 150, 30));
        var (_, otherHttp) = await exchange.MemberAsync("lother", "buyer");
        var (_, regulatorHttp) = await exchange.MemberAsync("lreg", "regulator");

        // Another member is told no such order exists (as a read tells it); a regulator, who reads every order, is told it may not change it.
        foreach (var (outsider, status, code) in new[]
                 {
                     (new ClearingClient(otherHttp), HttpStatusCode.NotFound, "unknown_order"),
                     (new ClearingClient(regulatorHttp), HttpStatusCode.Forbidden, "forbidden"),
                 })
        {
            var refused = await Assert.ThrowsAsync<ClearingProblemException>(() => outsider.CancelOrderAsync(bid.OrderId));
            Assert.Equal((status, code), (refused.Status, refused.Code));
        }
        Assert.Equal(150 * 30, (await exchange.Staff.GetAccountAsync(m.Buyer)).Held);
        // Staff cancel; they do not reduce a member's order, and are told so (they can read it).
        var reduce = await Assert.ThrowsAsync<ClearingProblemException>(() => exchange.Staff.ReduceOrderAsync(bid.OrderId, 5));
        Assert.Equal((HttpStatusCode.Forbidden, "forbidden"), (reduce.Status, reduce.Code));

        var cancelled = await exchange.Staff.CancelOrderAsync(bid.OrderId);

        Assert.Equal(("cancelled", "cancelled_by_staff", 30L), (cancelled.Status, cancelled.Reason, cancelled.Cancelled));
        Assert.Equal(cancelled.Reason, (await m.BuyerClient.GetOrderAsync(bid.OrderId)).Reason);
        Assert.Equal(0, (await exchange.Staff.GetAccountAsync(m.Buyer)).Held);
        var again = await Assert.ThrowsAsync<ClearingProblemException>(() => exchange.Staff.CancelOrderAsync(bid.OrderId));
        Assert.Equal((HttpStatusCode.Conflict, "order_not_open"), (again.Status, again.Code));
        await MoneyReconcilesAsync();
    }

    [Fact]
    public async Task A_rejected_product_is_resubmitted_into_review_with_its_history()
    {
        var (provider, providerHttp) = await exchange.MemberAsync("rprov", "provider");
        var providerClient = new ClearingClient(providerHttp);
        var id = Exchange.NewId("rprod");
        var submission = new SubmitProductRequest(id, provider, "Geo API", "api", "call", "geo", ["credit-risk"], "api");
        await providerClient.SubmitProductAsync(submission);
        Assert.Equal("rejected", (await exchange.Staff.ReviewProductAsync(id, approve: false, "no compliance report")).Status);

        // The same body again puts it back in review; a repeat of that (a client re-sending) returns it unchanged.
        Assert.Equal("pending_review", (await providerClient.SubmitProductAsync(submission)).Status);
        Assert.Equal("rejected", (await exchange.Staff.ReviewProductAsync(id, approve: false, "still no report")).Status);
        var changed = await providerClient.SubmitProductAsync(submission with { Name = "Geo API with audit report" });
        Assert.Equal(("pending_review", "Geo API with audit report"), (changed.Status, changed.Name));
        var listed = await exchange.Staff.ReviewProductAsync(id, approve: true, "report received");

        Assert.Equal("listed", listed.Status);
        Assert.Equal(["pending_review", "rejected", "pending_review", "rejected", "pending_review", "listed"], listed.History.Select(h => h.Status));
        Assert.Equal("no compliance report", listed.History[1].Note);
        Assert.Contains(await LedgerAsync(), e => e.Kind == "product.resubmitted" && e.Subject == id);
        var again = await Assert.ThrowsAsync<ClearingProblemException>(() => providerClient.SubmitProductAsync(submission with { Name = "Other" }));
        Assert.Equal((HttpStatusCode.Conflict, "product_exists"), (again.Status, again.Code));
        await MoneyReconcilesAsync();
    }

    [Fact]
    public async Task A_suspended_product_halts_its_book_and_trades_again_once_reinstated()
    {
        var m = await MarketAsync();
        var bid = await m.BuyerClient.PlaceOrderAsync(Buy(m.Buyer, m.Product, "b-1", 200, 30));

        Assert.Equal("suspended", (await exchange.Staff.SuspendProductAsync(m.Product, "audit")).Status);
        var halted = await Assert.ThrowsAsync<ClearingProblemException>(() => m.ProviderClient.PlaceOrderAsync(Sell(m.Provider, m.Product, "s-1", 200, 30)));
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "product_not_listed"), (halted.Status, halted.Code));
        Assert.Equal("resting", (await m.BuyerClient.GetOrderAsync(bid.OrderId)).Status);

        var reinstated = await exchange.Staff.ReinstateProductAsync(m.Product, "audit passed");

        Assert.Equal("listed", reinstated.Status);
        var sell = await m.ProviderClient.PlaceOrderAsync(Sell(m.Provider, m.Product, "s-2", 200, 30));
        Assert.Equal(30, sell.Filled);
        Assert.Equal("filled", (await m.BuyerClient.GetOrderAsync(bid.OrderId)).Status);
        Assert.Contains(await LedgerAsync(), e => e.Kind == "product.reinstated" && e.Subject == m.Product);
        // Repeating a change already made tells the book again and answers the product as it stands.
        Assert.Equal("listed", (await exchange.Staff.ReinstateProductAsync(m.Product)).Status);
        await MoneyReconcilesAsync();
    }

    [Fact]
    public async Task Usage_dated_beyond_the_allowed_skew_is_refused_as_a_future_call()
    {
        var m = await MarketAsync();
        await m.ProviderClient.PlaceOrderAsync(Sell(m.Provider, m.Product, "s-1", 100, 1_000));
        var contract = Assert.Single((await m.BuyerClient.PlaceOrderAsync(Buy(m.Buyer, m.Product, "b-1", 100, 1_000))).Contracts);
        var now = DateTimeOffset.UtcNow;

        var answer = await m.BuyerClient.SubmitUsageAsync(new UsageBatchRequest("clock", 1,
        [
            new UsageRecordRequest("c-now", contract, now, 2),
            new UsageRecordRequest("c-ahead-1m", contract, now.AddMinutes(1), 3),
            new UsageRecordRequest("c-ahead-10d", contract, now.AddDays(10), 5),
        ]));

        Assert.Equal(2, answer.Accepted);
        Assert.Equal(new UsageRejectedRecord(2, "future_call"), Assert.Single(answer.Rejected));
        Assert.Equal(5, (await m.BuyerClient.GetContractAsync(contract)).Used);
        await MoneyReconcilesAsync();
    }

    [Fact]
    public async Task A_voucher_is_funded_by_its_issuer_when_issued_and_refused_without_the_money()
    {
        var (buyer, buyerHttp) = await exchange.MemberAsync("vfbuy", "buyer");
        var (issuer, _) = await exchange.MemberAsync("vfiss", "intermediary");
        var id = Exchange.NewId("vf");
        var expires = DateTimeOffset.UtcNow.AddDays(90);
        IssueVoucherRequest Voucher(long amount) => new(id, buyer, amount, ["geo"], expires, "grant-1", issuer);

        var unfunded = await Assert.ThrowsAsync<ClearingProblemException>(() => exchange.Staff.IssueVoucherAsync(Voucher(300_000)));
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "insufficient_funds"), (unfunded.Status, unfunded.Code));
        Assert.Empty((await exchange.Staff.GetAccountAsync(buyer)).Vouchers);

        await exchange.DepositAsync(issuer, 500_000, "grant-budget");
        // The refused attempt left no claim: the same id, now funded, is issued (with other terms, even).
        var issued = await exchange.Staff.IssueVoucherAsync(Voucher(400_000));
        var repeat = await exchange.Staff.IssueVoucherAsync(Voucher(400_000));

        Assert.Equal((400_000L, 400_000L, issuer), (issued.Amount, issued.Remaining, issued.Issuer));
        Assert.Equal(issued, repeat with { Categories = issued.Categories });
        var funding = await exchange.Staff.GetAccountAsync(issuer);
        Assert.Equal((100_000L, 400_000L), (funding.Available, funding.Backing));
        Assert.Equal(id, Assert.Single((await new ClearingClient(buyerHttp).GetAccountAsync(buyer)).Vouchers).Id);
        var withdraw = await Assert.ThrowsAsync<ClearingProblemException>(() => exchange.Staff.WithdrawFundsAsync(issuer, 200_000, "too-much"));
        Assert.Equal("insufficient_funds", withdraw.Code);
        Assert.Contains(await LedgerAsync(), e => e.Kind == "voucher.backed" && e.Subject == issuer);
        await MoneyReconcilesAsync();
    }
}
