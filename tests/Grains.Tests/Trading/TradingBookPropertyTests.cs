using ClearingCluster.Grains.Trading;
using ClearingCluster.Grains.Trading.Journal;
using ClearingCluster.Grains.Trading.Matching;
using ClearingCluster.Interfaces.Accounts;
using ClearingCluster.Interfaces.Products;
using ClearingCluster.Interfaces.Trading;
using ClearingCluster.Runtime.Durability;
using FsCheck;
using FsCheck.Fluent;

namespace ClearingCluster.Grains.Tests.Trading;

/// <summary>
/// Random order flow through the pure book, as the account gate and the commit log drive it. After every batch:
/// each buyer's money as its account sees it (reserve taken up front, its own fills and releases applied when
/// answered, makers told afterwards) equals what storage holds (the batch's deltas), holds exactly the value of its
/// open buys and escrows exactly what its contracts took; the book is never crossed; every delta moves money inside
/// one account only. At the end, replaying the journal — from the start, or from a snapshot taken midway — rebuilds
/// the same book, and the same orders split into other batches give the same trades and money.
/// </summary>
public sealed class TradingBookPropertyTests
{
    private const string Product = "geo";
    private const string Provider = "prov";
    private static readonly string[] Buyers = ["ba", "bb"];
    private static readonly DateTimeOffset Start = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);
    private static readonly BookFacts Facts = new(Product, Provider, ProductStatus.Listed, new HashSet<string> { "s" }, "api", "geo");

    public sealed record Step(int Kind, int Buyer, long Price, long Quantity, int Tif, int Pick);

    private static readonly Gen<Step> Steps =
        from kind in Gen.Frequency((4, Gen.Constant(0)), (3, Gen.Constant(1)), (1, Gen.Constant(2)), (1, Gen.Constant(3)), (1, Gen.Constant(4)))
        from buyer in Gen.Choose(0, 1)
        from price in Gen.Choose(95, 105).Select(p => (long)p * 10)
        from quantity in Gen.Choose(1, 20).Select(q => (long)q)
        from tif in Gen.Choose(0, 2)
        from pick in Gen.Choose(0, 100)
        select new Step(kind, buyer, price, quantity, tif, pick);

    private sealed class Money
    {
        public Dictionary<string, (long Available, long Held, long Escrow)> Memory { get; } = [];

        public Dictionary<string, (long Available, long Held, long Escrow)> Stored { get; } = [];

        public static void Apply(Dictionary<string, (long Available, long Held, long Escrow)> into, AccountDelta d)
        {
            var (a, h, e) = into.GetValueOrDefault(d.AccountId);
            into[d.AccountId] = (a + d.AvailableMicros, h + d.HeldMicros, e + d.EscrowMicros);
        }
    }

    [Fact]
    public void Money_the_journal_and_snapshots_stay_exact_under_any_order_flow()
    {
        var property = Prop.ForAll(Steps.ArrayOf().ToArbitrary(), Gen.Choose(1, 4).ToArbitrary(), (steps, batchSize) => Run(steps, batchSize));
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300).WithReplay(674386, 1), property);
    }

    [Fact]
    public void The_same_orders_in_other_batches_make_the_same_trades_and_money()
    {
        var property = Prop.ForAll(Steps.ArrayOf().ToArbitrary(), Gen.Choose(2, 7).ToArbitrary(), (steps, batchSize) =>
        {
            var one = Flow(steps, 1);
            var many = Flow(steps, batchSize);
            return one.Trades.SequenceEqual(many.Trades) && one.Book.State().OpenOrders.Select(o => (o.View.OrderId, o.View.Remaining))
                       .SequenceEqual(many.Book.State().OpenOrders.Select(o => (o.View.OrderId, o.View.Remaining)))
                   && one.Money.Stored.OrderBy(m => m.Key).SequenceEqual(many.Money.Stored.OrderBy(m => m.Key));
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(200).WithReplay(674387, 1), property);
    }

    private static bool Run(Step[] steps, int batchSize)
    {
        var (book, money, chunks, snapshot, _) = Flow(steps, batchSize);

        // Storage and memory agree once every account has been told; held and escrow are what the book says.
        foreach (var buyer in Buyers)
        {
            var held = book.OpenOrders.Where(o => o.Participant == buyer).Sum(o => o.HeldMicros);
            var captured = book.CapturedByBuyer.GetValueOrDefault(buyer);
            if (money.Memory.GetValueOrDefault(buyer) != money.Stored.GetValueOrDefault(buyer)
                || money.Stored.GetValueOrDefault(buyer) != (1_000_000_000 - held - captured, held, captured))
            {
                return false;
            }
        }
        if (book.Engine.BestBidMicros >= book.Engine.BestAskMicros)
        {
            return false;
        }

        // The journal, encoded and decoded, rebuilds the same book from nothing and from the snapshot.
        var decoded = chunks.Select(c => BookJournal.Decode(BookJournal.Encode(c.Item, c.At, c.Events)).Single()).ToList();
        var replayed = new TradingBook(Product, new EngineLimits());
        foreach (var chunk in decoded)
        {
            replayed.Replay(chunk);
        }
        var restored = new TradingBook(Product, new EngineLimits());
        if (snapshot is { } midway)
        {
            restored.Restore(BookState.Decode(Product, midway.Encode()));
        }
        foreach (var chunk in decoded.Where(c => c.Item > restored.LastItem))
        {
            restored.Replay(chunk);
        }
        return Same(book, replayed) && Same(book, restored);
    }

    private static (TradingBook Book, Money Money, List<JournalChunk> Chunks, BookState? Snapshot, List<string> Trades) Flow(Step[] steps, int batchSize)
    {
        var book = new TradingBook(Product, new EngineLimits());
        var money = new Money();
        foreach (var buyer in Buyers)
        {
            money.Memory[buyer] = money.Stored[buyer] = (1_000_000_000, 0, 0);
        }
        var chunks = new List<JournalChunk>();
        var trades = new List<string>();
        BookState? snapshot = null;
        var step = 0;
        foreach (var group in steps.Chunk(batchSize))
        {
            var at = Start.AddSeconds(step);
            var batch = book.NextBatch(at);
            foreach (var s in group)
            {
                var n = step++;
                var tif = s.Tif switch { 0 => "gtc", 1 => "ioc", _ => "fok" };
                var buyer = Buyers[s.Buyer];
                switch (s.Kind)
                {
                    case 0:
                        Place(book, batch, money, new PlaceOrder($"o{n}", buyer, Product, "buy", "limit", tif, s.Price, s.Quantity, 0, "s", 30));
                        break;
                    case 1:
                        Place(book, batch, money, new PlaceOrder($"o{n}", Provider, Product, "sell", "limit", tif, s.Price, s.Quantity, 0, null, 0));
                        break;
                    case 2 when book.OpenCount > 0:
                        var victim = book.OpenOrders.ElementAt(s.Pick % book.OpenCount);
                        book.Cancel(victim.Number, victim.Participant, "cancelled_by_owner", batch);
                        break;
                    case 3:
                        Place(book, batch, money, new PlaceOrder($"o{n}", buyer, Product, "buy", "market", s.Tif == 2 ? "fok" : "ioc", 0, s.Quantity,
                            s.Price * s.Quantity / 2, "s", 30));
                        break;
                    case 4 when book.OpenCount > 0:
                        var reduced = book.OpenOrders.ElementAt(s.Pick % book.OpenCount);
                        if (reduced.Remaining > 1)
                        {
                            book.Reduce(reduced.Number, reduced.Participant, 1 + s.Pick % (reduced.Remaining - 1), batch);
                        }
                        break;
                }
            }
            // Committed: storage takes every delta at once; accounts outside the call chain are told.
            foreach (var delta in batch.Deltas)
            {
                if (delta.TotalMicros != 0)
                {
                    throw new InvalidOperationException($"a trading delta moved money out of account {delta.AccountId}");
                }
                Money.Apply(money.Stored, delta);
            }
            foreach (var told in batch.Notifications)
            {
                Money.Apply(money.Memory, told);
            }
            trades.AddRange(batch.Contracts.Select(c => $"{c.Number}:{c.Buyer}:{c.PriceMicros}x{c.Quota}:{c.BuyOrderId}/{c.SellOrderId}"));
            if (!batch.IsEmpty)
            {
                chunks.Add(new JournalChunk(batch.Item, batch.At, [.. batch.Events]));
            }
            if (snapshot is null && step >= steps.Length / 2)
            {
                snapshot = book.State();
            }
        }
        return (book, money, chunks, snapshot, trades);
    }

    /// <summary>As the account gate does: the reserve up front, then the book's answer (refused: back; placed: its own fills and releases).</summary>
    private static void Place(TradingBook book, BookBatch batch, Money money, PlaceOrder order)
    {
        var reserve = order.Side == "buy" ? OrderRules.ReserveMicros(order) : 0;
        if (reserve > 0)
        {
            Money.Apply(money.Memory, new AccountDelta(order.Participant, -reserve, reserve, 0));
        }
        var placement = book.Place(new OrderTicket(order, order.Participant, reserve, [new WriterFence($"account/{order.Participant}", 1)]), Facts, batch);
        var back = placement.Order is null
            ? new AccountDelta(order.Participant, reserve, -reserve, 0)
            : new AccountDelta(order.Participant, placement.ReleasedMicros, -(placement.CapturedMicros + placement.ReleasedMicros), placement.CapturedMicros);
        if (reserve > 0)
        {
            Money.Apply(money.Memory, back);
        }
    }

    private static bool Same(TradingBook a, TradingBook b)
    {
        var (sa, sb) = (a.State(), b.State());
        return sa.LastOrderNumber == sb.LastOrderNumber && sa.LastContractNumber == sb.LastContractNumber && sa.LastTradePriceMicros == sb.LastTradePriceMicros
               && sa.OpenOrders.Count == sb.OpenOrders.Count
               && sa.OpenOrders.Zip(sb.OpenOrders).All(p => p.First.Sequence == p.Second.Sequence && p.First.LastReducedTo == p.Second.LastReducedTo
                   && SameView(p.First.View, p.Second.View))
               && sa.CapturedByBuyer.OrderBy(c => c.Key).SequenceEqual(sb.CapturedByBuyer.OrderBy(c => c.Key))
               && Depth(a).SequenceEqual(Depth(b));
    }

    private static bool SameView(OrderView a, OrderView b) =>
        a with { Fills = [] } == b with { Fills = [] } && a.Fills.SequenceEqual(b.Fills);

    private static IEnumerable<(long, long)> Depth(TradingBook book)
    {
        var levels = new List<(long, long)>();
        book.Engine.Depth(Side.Buy, 100, levels);
        book.Engine.Depth(Side.Sell, 100, levels);
        return levels;
    }
}
