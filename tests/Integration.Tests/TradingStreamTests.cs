using System.Collections.Concurrent;
using ClearingCluster.Interfaces.Accounts;
using ClearingCluster.Interfaces.Participants;
using ClearingCluster.Interfaces.Products;
using ClearingCluster.Interfaces.Trading;
using ClearingCluster.TestSupport;

namespace ClearingCluster.Integration.Tests;

[Collection(PostgresCollection.Name)]
public sealed class TradingStreamTests(TestPostgres postgres)
{
    [Fact]
    public async Task Trades_and_book_changes_reach_subscribers_in_order()
    {
        await using var silo = await SiloHost.StartAsync(await postgres.CreateDatabaseAsync());
        var grains = silo.Grains;
        foreach (var (id, role) in new[] { ("seller", Roles.Provider), ("buyer", Roles.Buyer) })
        {
            await grains.GetGrain<IParticipantGrain>(id).Register(new RegisterParticipant(id, id, [role], 1));
            await grains.GetGrain<IParticipantGrain>(id).Approve();
        }
        await grains.GetGrain<IAccountGrain>("buyer").Deposit(1_000_000, "f");
        await grains.GetGrain<IProductGrain>("streamed").Submit(new SubmitProduct("streamed", "seller", "S", "api", "call", "geo", ["s"], "api"));
        await grains.GetGrain<IProductGrain>("streamed").Review(true, "");

        var trades = new ConcurrentQueue<TradeEvent>();
        var books = new ConcurrentQueue<BookChangedEvent>();
        var threeTrades = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await silo.Runtime.Streams.GetStream<TradeEvent>(TradingStreams.Trades("streamed")).SubscribeAsync((t, _) =>
        {
            trades.Enqueue(t);
            if (trades.Count == 3)
            {
                threeTrades.TrySetResult();
            }
            return Task.CompletedTask;
        });
        var fourChanges = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await silo.Runtime.Streams.GetStream<BookChangedEvent>(TradingStreams.Books("streamed")).SubscribeAsync((b, _) =>
        {
            books.Enqueue(b);
            if (books.Count == 4)
            {
                fourChanges.TrySetResult();
            }
            return Task.CompletedTask;
        });

        foreach (var (price, n) in new[] { (100L, 1), (101L, 2), (102L, 3) })
        {
            await grains.PlaceAsync(new PlaceOrder($"s{n}", "seller", "streamed", "sell", "limit", "gtc", price, 1, 0, null, 0));
        }
        await grains.PlaceAsync(new PlaceOrder("b1", "buyer", "streamed", "buy", "limit", "gtc", 102, 3, 0, "s", 10));

        await Task.WhenAll(threeTrades.Task, fourChanges.Task).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal([100L, 101L, 102L], trades.Select(t => t.PriceMicros));
        Assert.Equal(["K-streamed-1", "K-streamed-2", "K-streamed-3"], trades.Select(t => t.ContractId));
        Assert.All(trades, t => Assert.Equal("buyer", t.Buyer));
        // Three resting asks, then the buy that took them all: the last change shows an empty ask side.
        Assert.Equal(4, books.Count);
        Assert.Equal(100L, books.First().BestAskMicros);
        Assert.Null(books.Last().BestAskMicros);
        Assert.Equal(102L, books.Last().LastTradePriceMicros);
    }
}
