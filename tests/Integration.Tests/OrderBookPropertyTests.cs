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

namespace ClearingCluster.Integration.Tests;

/// <summary>
/// Random order flow through real order-book, account and contract grains on PostgreSQL. After every step: each
/// buyer holds exactly the value of its resting buys and escrows exactly the value of its contracts, and the book
/// is not crossed. At the end a restarted silo shows the same book.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class OrderBookPropertyTests(TestPostgres postgres)
{
    public sealed record Step(int Kind, int Buyer, long Price, long Quantity, int Tif, int Pick);

    private static readonly Gen<Step> Steps =
        from kind in Gen.Frequency((4, Gen.Constant(0)), (3, Gen.Constant(1)), (1, Gen.Constant(2)), (1, Gen.Constant(3)))
        from buyer in Gen.Choose(0, 1)
        from price in Gen.Choose(95, 105).Select(p => (long)p * 10)
        from quantity in Gen.Choose(1, 20).Select(q => (long)q)
        from tif in Gen.Choose(0, 2)
        from pick in Gen.Choose(0, 100)
        select new Step(kind, buyer, price, quantity, tif, pick);

    [Fact]
    public async Task Reserved_money_always_equals_resting_buys_plus_escrow_and_a_restart_reproduces_the_book()
    {
        var database = await postgres.CreateDatabaseAsync();
        var run = 0;
        var books = new List<(string Product, string[] Buyers, BookView Book)>();
        await using (var silo = await SiloHost.StartAsync(database))
        {
            var property = Prop.ForAll(Steps.ArrayOf().ToArbitrary(), steps =>
            {
                run++;
                return RunAsync(silo, run, steps, books).GetAwaiter().GetResult();
            });
            Check.One(Config.QuickThrowOnFailure.WithMaxTest(15).WithReplay(674386, 1), property);
        }

        await using var restarted = await SiloHost.StartAsync(database);
        foreach (var (product, _, book) in books)
        {
            var again = await restarted.Grains.GetGrain<IOrderBookGrain>(product).Book(OrderBookGrain.BookDepthMax);
            Assert.Equal(book.Bids, again.Bids);
            Assert.Equal(book.Asks, again.Asks);
            Assert.Equal(book.LastTradePriceMicros, again.LastTradePriceMicros);
        }
    }

    private static async Task<bool> RunAsync(SiloHost silo, int run, Step[] steps, List<(string, string[], BookView)> books)
    {
        var grains = silo.Grains;
        var provider = $"pv{run}";
        var buyers = new[] { $"ba{run}", $"bb{run}" };
        var product = $"prod{run}";
        foreach (var (id, role) in buyers.Select(b => (b, Roles.Buyer)).Append((provider, Roles.Provider)))
        {
            await grains.GetGrain<IParticipantGrain>(id).Register(new RegisterParticipant(id, id, [role], 1));
            await grains.GetGrain<IParticipantGrain>(id).Approve();
            await grains.GetGrain<IAccountGrain>(id).Deposit(10_000_000, "funding");
        }
        await grains.GetGrain<IProductGrain>(product).Submit(new SubmitProduct(product, provider, "P", "api", "call", "geo", ["s"], "api"));
        await grains.GetGrain<IProductGrain>(product).Review(true, "");
        var book = grains.GetGrain<IOrderBookGrain>(product);
        var placed = new List<string>();
        var store = silo.Services.GetRequiredService<ITradingStore>();

        for (var i = 0; i < steps.Length; i++)
        {
            var step = steps[i];
            var tif = step.Tif switch { 0 => "gtc", 1 => "ioc", _ => "fok" };
            try
            {
                switch (step.Kind)
                {
                    case 0:
                        placed.Add((await book.Place(new PlaceOrder($"o{i}", buyers[step.Buyer], product, "buy", "limit", tif, step.Price, step.Quantity, 0, "s", 30))).OrderId);
                        break;
                    case 1:
                        placed.Add((await book.Place(new PlaceOrder($"o{i}", provider, product, "sell", "limit", tif, step.Price, step.Quantity, 0, null, 0))).OrderId);
                        break;
                    case 2 when placed.Count > 0:
                        var victim = await store.FindOrderAsync(placed[step.Pick % placed.Count], CancellationToken.None);
                        if (victim!.View.Status is OrderStatus.Resting or OrderStatus.PartiallyFilled)
                        {
                            await book.Cancel(victim.View.OrderId, victim.View.Participant);
                        }
                        break;
                    case 3:
                        await book.Place(new PlaceOrder($"o{i}", buyers[step.Buyer], product, "buy", "market", step.Tif == 2 ? "fok" : "ioc", 0, step.Quantity,
                            step.Price * step.Quantity / 2, "s", 30));
                        break;
                }
            }
            catch (DomainException)
            {
                // Refusals (price band) are allowed; the checks below still hold.
            }

            var view = await book.Book(OrderBookGrain.BookDepthMax);
            if (view.Bids.Count > 0 && view.Asks.Count > 0 && view.Bids[0].PriceMicros >= view.Asks[0].PriceMicros)
            {
                return false;
            }
            foreach (var buyer in buyers)
            {
                var balance = await grains.GetGrain<IAccountGrain>(buyer).GetBalance();
                var contracts = await store.ContractsOfAsync(buyer, 10_000, CancellationToken.None);
                long restingValue = 0;
                foreach (var id in placed)
                {
                    var order = (await store.FindOrderAsync(id, CancellationToken.None))!.View;
                    if (order.Participant == buyer && OrderStatus.IsOpen(order.Status))
                    {
                        restingValue += order.PriceMicros * order.Remaining;
                    }
                }
                var escrow = contracts.Sum(c => c.PriceMicros * c.Quota);
                if (balance.HeldMicros != restingValue || balance.EscrowMicros != escrow
                    || balance.AvailableMicros + balance.ReservedMicros != 10_000_000)
                {
                    return false;
                }
            }
        }
        books.Add((product, buyers, await book.Book(OrderBookGrain.BookDepthMax)));
        return true;
    }
}
