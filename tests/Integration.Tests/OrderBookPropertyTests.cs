using ClearingCluster.Grains.Listings;
using ClearingCluster.Grains.Trading;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Accounts;
using ClearingCluster.Interfaces.Participants;
using ClearingCluster.Interfaces.Products;
using ClearingCluster.Interfaces.Trading;
using ClearingCluster.TestSupport;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ClearingCluster.Integration.Tests;

/// <summary>
/// Random order flow through real account gates, books and the commit log on PostgreSQL. The same flow runs twice,
/// on two markets: one order at a time, and in random batches (each a run of one participant's orders). After every
/// step of the first: each buyer's stored held equals its open buys, its escrow its contracts, its account's memory
/// what storage holds, and the book is not crossed. Both runs make the same trades and end with the same money; a
/// restarted silo shows the same books, and reconciliation finds nothing.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class OrderBookPropertyTests(TestPostgres postgres)
{
    private const long Deposit = 10_000_000;

    public sealed record Step(int Kind, int Buyer, long Price, long Quantity, int Tif, int Pick);

    private sealed record Market(string Product, string Provider, string[] Buyers);

    private static readonly Gen<Step> Steps =
        from kind in Gen.Frequency((4, Gen.Constant(0)), (3, Gen.Constant(1)), (1, Gen.Constant(2)), (1, Gen.Constant(3)))
        from buyer in Gen.Choose(0, 1)
        from price in Gen.Choose(95, 105).Select(p => (long)p * 10)
        from quantity in Gen.Choose(1, 20).Select(q => (long)q)
        from tif in Gen.Choose(0, 2)
        from pick in Gen.Choose(0, 100)
        select new Step(kind, buyer, price, quantity, tif, pick);

    [Fact]
    public async Task One_at_a_time_or_batched_every_order_keeps_money_exact_and_a_restart_reproduces_the_books()
    {
        var database = await postgres.CreateDatabaseAsync();
        var run = 0;
        var books = new List<(string Product, BookView Book)>();
        await using (var silo = await SiloHost.StartAsync(database))
        {
            var property = Prop.ForAll(Steps.ArrayOf().ToArbitrary(), Gen.Choose(2, 5).ToArbitrary(), (steps, batchSize) =>
            {
                run++;
                return RunAsync(silo, database, run, steps, batchSize, books).GetAwaiter().GetResult();
            });
            Check.One(Config.QuickThrowOnFailure.WithMaxTest(12).WithReplay(674386, 1), property);
        }

        await using var restarted = await SiloHost.StartAsync(database);
        foreach (var (product, book) in books)
        {
            var again = await restarted.Grains.GetGrain<IOrderBookGrain>(product).Book(OrderBookDepth.Max);
            Assert.Equal(book.Bids, again.Bids);
            Assert.Equal(book.Asks, again.Asks);
            Assert.Equal(book.LastTradePriceMicros, again.LastTradePriceMicros);
        }
        var reconciliation = await restarted.Services.GetRequiredService<TradingReconciliation>().RunAsync(CancellationToken.None);
        Assert.True(reconciliation.Ok, string.Join("; ", reconciliation.Mismatches));
    }

    private static async Task<bool> RunAsync(SiloHost silo, string database, int run, Step[] steps, int batchSize, List<(string, BookView)> books)
    {
        var single = await MarketAsync(silo, $"one{run}");
        var batched = await MarketAsync(silo, $"many{run}");

        var singleTrades = new List<string>();
        var placed = new List<string>();
        for (var i = 0; i < steps.Length; i++)
        {
            foreach (var (participant, order) in Orders(single, steps[i], i))
            {
                var outcome = (await silo.Grains.PlaceAllAsync(participant, [order]))[0];
                if (outcome.Order is { } view)
                {
                    placed.Add(view.OrderId);
                    singleTrades.AddRange(view.Fills.Select(f => $"{f.PriceMicros}x{f.Quantity}"));
                }
            }
            await CancelAsync(silo, single, steps[i], placed);
            if (!await ExactAsync(silo, database, single, placed))
            {
                return false;
            }
        }

        // The same flow, a run of one participant's orders at a time, at most batchSize orders a call.
        var batchedTrades = new List<string>();
        var placedBatched = new List<string>();
        var pending = new List<(string Participant, PlaceOrder Order)>();
        async Task FlushAsync()
        {
            foreach (var sameParticipant in Runs(pending, batchSize))
            {
                foreach (var outcome in await silo.Grains.PlaceAllAsync(sameParticipant[0].Participant, [.. sameParticipant.Select(r => r.Order)]))
                {
                    if (outcome.Order is { } view)
                    {
                        placedBatched.Add(view.OrderId);
                        batchedTrades.AddRange(view.Fills.Select(f => $"{f.PriceMicros}x{f.Quantity}"));
                    }
                }
            }
            pending.Clear();
        }
        for (var i = 0; i < steps.Length; i++)
        {
            if (steps[i].Kind == 2)
            {
                await FlushAsync();
                await CancelAsync(silo, batched, steps[i], placedBatched);
                continue;
            }
            pending.AddRange(Orders(batched, steps[i], i));
        }
        await FlushAsync();

        if (!singleTrades.SequenceEqual(batchedTrades) || !await ExactAsync(silo, database, batched, placedBatched))
        {
            return false;
        }
        for (var b = 0; b < 2; b++)
        {
            if (await BalanceAsync(silo, single.Buyers[b]) != await BalanceAsync(silo, batched.Buyers[b]))
            {
                return false;
            }
        }
        books.Add((single.Product, await silo.Grains.GetGrain<IOrderBookGrain>(single.Product).Book(OrderBookDepth.Max)));
        return true;
    }

    private static IEnumerable<(string Participant, PlaceOrder Order)> Orders(Market m, Step step, int i)
    {
        var tif = step.Tif switch { 0 => "gtc", 1 => "ioc", _ => "fok" };
        var buyer = m.Buyers[step.Buyer];
        return step.Kind switch
        {
            0 => [(buyer, new PlaceOrder($"o{i}", buyer, m.Product, "buy", "limit", tif, step.Price, step.Quantity, 0, "s", 30))],
            1 => [(m.Provider, new PlaceOrder($"o{i}", m.Provider, m.Product, "sell", "limit", tif, step.Price, step.Quantity, 0, null, 0))],
            3 => [(buyer, new PlaceOrder($"o{i}", buyer, m.Product, "buy", "market", step.Tif == 2 ? "fok" : "ioc", 0, step.Quantity,
                step.Price * step.Quantity / 2, "s", 30))],
            _ => [],
        };
    }

    private static async Task CancelAsync(SiloHost silo, Market m, Step step, List<string> placed)
    {
        if (step.Kind != 2 || placed.Count == 0)
        {
            return;
        }
        var book = silo.Grains.GetGrain<IOrderBookGrain>(m.Product);
        var victim = (await book.GetOrder(placed[step.Pick % placed.Count]))!;
        if (OrderStatus.IsOpen(victim.Status))
        {
            await book.Cancel(victim.OrderId, victim.Participant);
        }
    }

    /// <summary>Consecutive orders of one participant, at most <paramref name="size"/> at a time.</summary>
    private static IEnumerable<List<(string Participant, PlaceOrder Order)>> Runs(List<(string Participant, PlaceOrder Order)> orders, int size)
    {
        var current = new List<(string, PlaceOrder)>();
        foreach (var order in orders)
        {
            if (current.Count > 0 && (current[0].Item1 != order.Participant || current.Count == size))
            {
                yield return current;
                current = [];
            }
            current.Add(order);
        }
        if (current.Count > 0)
        {
            yield return current;
        }
    }

    /// <summary>Stored held = open buys, stored escrow = contracts, memory = storage, book not crossed.</summary>
    private static async Task<bool> ExactAsync(SiloHost silo, string database, Market m, List<string> placed)
    {
        var book = silo.Grains.GetGrain<IOrderBookGrain>(m.Product);
        var view = await book.Book(OrderBookDepth.Max);
        if (view.Bids.Count > 0 && view.Asks.Count > 0 && view.Bids[0].PriceMicros >= view.Asks[0].PriceMicros)
        {
            return false;
        }
        var listings = silo.Services.GetRequiredService<Listings>();
        foreach (var buyer in m.Buyers)
        {
            long resting = 0;
            foreach (var id in placed)
            {
                var order = (await book.GetOrder(id))!;
                if (order.Participant == buyer && OrderStatus.IsOpen(order.Status))
                {
                    resting += order.PriceMicros * order.Remaining;
                }
            }
            long escrow = 0;
            string? cursor = null;
            do
            {
                var page = await listings.ContractsAsync(new ActivityQuery(buyer, null, null, null, null, PageCursor.LimitMax), null, null, cursor);
                escrow = checked(escrow + page.Items.Sum(c => c.Terms.EscrowMicros));
                cursor = page.Next;
            }
            while (cursor is not null);
            var stored = await StoredAsync(database, buyer);
            var memory = await BalanceAsync(silo, buyer);
            if (stored != (Deposit - resting - escrow, resting, escrow) || memory != stored)
            {
                return false;
            }
        }
        return true;
    }

    private static async Task<(long, long, long)> BalanceAsync(SiloHost silo, string account)
    {
        var b = await silo.Grains.GetGrain<IAccountGrain>(account).GetBalance();
        return (b.AvailableMicros, b.HeldMicros, b.EscrowMicros);
    }

    private static async Task<(long, long, long)> StoredAsync(string database, string account)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT available_micros, held_micros, escrow_micros FROM accounts WHERE id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = account });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    private static async Task<Market> MarketAsync(SiloHost silo, string tag)
    {
        var grains = silo.Grains;
        var market = new Market($"prod-{tag}", $"pv-{tag}", [$"ba-{tag}", $"bb-{tag}"]);
        foreach (var (id, role) in market.Buyers.Select(b => (b, Roles.Buyer)).Append((market.Provider, Roles.Provider)))
        {
            await grains.GetGrain<IParticipantGrain>(id).Register(new RegisterParticipant(id, id, [role], 1));
            await grains.GetGrain<IParticipantGrain>(id).Approve();
            await grains.GetGrain<IAccountGrain>(id).Deposit(Deposit, "funding");
        }
        await grains.GetGrain<IProductGrain>(market.Product).Submit(new SubmitProduct(market.Product, market.Provider, "P", "api", "call", "geo", ["s"], "api"));
        await grains.GetGrain<IProductGrain>(market.Product).Review(true, "");
        return market;
    }
}
