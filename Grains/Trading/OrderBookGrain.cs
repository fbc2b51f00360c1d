using ClearingCluster.Grains.Trading.Matching;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Accounts;
using ClearingCluster.Interfaces.Contracts;
using ClearingCluster.Interfaces.Participants;
using ClearingCluster.Interfaces.Products;
using ClearingCluster.Interfaces.Trading;
using ClearingCluster.Runtime;
using Microsoft.Extensions.Logging;

namespace ClearingCluster.Grains.Trading;

/// <summary>
/// One product's order book. An order is checked against the product and its participant; a buy reserves its
/// full cost on the buyer's account before it reaches the book; the engine matches; the new order, the orders it
/// touched and one contract per fill are committed in one transaction; then each contract's escrow is captured
/// from the buyer's hold and its evidence put on the ledger, and finished buys release what is left of their hold.
/// What a crash interrupts after the commit is finished on the next activation.
/// </summary>
public sealed class OrderBookGrain(ITradingStore store, TimeProvider time, ILogger<OrderBookGrain> logger) : Grain, IOrderBookGrain
{
    /// <summary>The exchange's fee on every contract's gross, in basis points (1/100 %).</summary>
    public const long ExchangeFeeBasisPoints = 300;

    public const int BookDepthMax = 100;

    private readonly MatchingEngine engine = new(new EngineLimits());
    private readonly Dictionary<long, OrderRecord> open = [];
    private readonly List<Fill> fills = [];
    private long lastOrderNumber;
    private long lastContractNumber;

    private string Product => GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var snapshot = await store.LoadBookAsync(Product, cancellationToken);
        foreach (var record in snapshot.OpenOrders)
        {
            var v = record.View;
            engine.Restore(new BookOrder(record.Number, v.Participant, OrderRules.SideOf(v.Side), OrderType.Limit, TimeInForce.Gtc, v.PriceMicros, v.Remaining), record.Sequence);
            open[record.Number] = record;
        }
        if (snapshot.LastTradePriceMicros is { } last)
        {
            engine.RestoreLastTrade(last);
        }
        lastOrderNumber = snapshot.LastOrderNumber;
        lastContractNumber = snapshot.LastContractNumber;
        await FinishAsync(snapshot.PendingContracts, snapshot.HoldsToRelease);
    }

    public async Task<OrderView> Place(PlaceOrder request)
    {
        var order = OrderRules.Validate(request with { Product = Product });
        if (await store.FindClientOrderAsync(order.Participant, order.ClientOrderId, CancellationToken.None) is { } prior)
        {
            return SameOrder(prior.View, order)
                ? await WithFillsAsync(prior.View)
                : throw DomainException.Conflict("client_order_id_reused", $"client order id {order.ClientOrderId} was used for another order");
        }

        var product = await RequireTradableAsync(order);
        var number = lastOrderNumber + 1;
        var orderId = $"{Product}:{number}";
        var isBuy = order.Side == "buy";
        // A number is only kept once its order is stored, so it can come round again: the nonce keeps every hold
        // id new, and a reserve can never meet the closed hold of a refused order.
        var holdId = isBuy ? $"{orderId}/{Guid.NewGuid():N}" : null;
        if (isBuy)
        {
            var buyer = (await GrainFactory.GetGrain<IParticipantGrain>(order.Participant).Get())!;
            await GrainFactory.GetGrain<IAccountGrain>(order.Participant).Reserve(holdId!, OrderRules.ReserveMicros(order), buyer.Limits.MaxOpenBuyValueMicros);
        }

        var bookOrder = new BookOrder(number, order.Participant, OrderRules.SideOf(order.Side), OrderRules.TypeOf(order.Type),
            OrderRules.TimeInForceOf(order.TimeInForce), order.PriceMicros, order.Quantity, order.MaxCostMicros);
        fills.Clear();
        var result = engine.Submit(bookOrder, fills);
        if (result.Outcome == OrderOutcome.Rejected)
        {
            if (isBuy)
            {
                await ReleaseHoldAsync(order.Participant, holdId!);
            }
            throw DomainException.Rule(OrderRules.RejectCode(result.RejectReason), $"order refused by the book: {result.RejectReason}");
        }

        lastOrderNumber = number;
        var now = time.GetUtcNow();
        var status = result.Outcome switch
        {
            OrderOutcome.Resting => OrderStatus.Resting,
            OrderOutcome.PartiallyFilled => OrderStatus.PartiallyFilled,
            OrderOutcome.Filled => OrderStatus.Filled,
            _ => OrderStatus.Cancelled,
        };
        var view = new OrderView(orderId, order.ClientOrderId, order.Participant, Product, order.Side, order.Type, order.TimeInForce,
            order.PriceMicros, order.Quantity, order.MaxCostMicros, isBuy ? order.Scenario : null, isBuy ? order.ValidityDays : 0,
            status, result.FilledQuantity, OrderStatus.IsOpen(status) ? bookOrder.Remaining : 0, OrderRules.CancelText(result.CancelReason), [], now, now);
        var taker = new OrderRecord(view, number, bookOrder.Sequence, holdId, HoldOpen: isBuy);

        var contracts = new List<ContractView>(fills.Count);
        var touched = new List<OrderRecord>(fills.Count);
        foreach (var fill in fills)
        {
            var maker = open[fill.Maker.OrderId];
            var makerRemaining = fill.Maker.Remaining;
            var makerStatus = makerRemaining == 0 ? OrderStatus.Filled : OrderStatus.PartiallyFilled;
            maker = maker with
            {
                View = maker.View with
                {
                    Status = makerStatus,
                    Filled = maker.View.Filled + fill.Quantity,
                    Remaining = makerRemaining,
                    UpdatedAt = now,
                },
            };
            open[fill.Maker.OrderId] = maker;
            touched.Add(maker);
            contracts.Add(ContractOf(fill, maker, taker, product, now));
        }

        try
        {
            await store.CommitAsync(new BookChange(taker, touched, contracts), CancellationToken.None);
        }
        catch (DuplicateClientOrderException)
        {
            // The same client order id arrived through another product's book first: nothing here stands.
            DeactivateOnIdle();
            if (isBuy)
            {
                await ReleaseHoldAsync(order.Participant, holdId!);
            }
            throw DomainException.Conflict("client_order_id_reused", $"client order id {order.ClientOrderId} was used for another order");
        }
        catch
        {
            // Memory has matched but storage has not: start again from storage, and give the reserve back.
            DeactivateOnIdle();
            if (isBuy)
            {
                await ReleaseHoldAsync(order.Participant, holdId!);
            }
            throw;
        }

        foreach (var maker in touched.Where(m => m.View.Status == OrderStatus.Filled))
        {
            open.Remove(maker.Number);
        }
        if (OrderStatus.IsOpen(status))
        {
            open[number] = taker;
        }
        var finishedBuys = touched.Where(m => m.View.Side == "buy" && m.View.Status == OrderStatus.Filled).ToList();
        if (isBuy && !OrderStatus.IsOpen(status))
        {
            finishedBuys.Add(taker);
        }
        await FinishAsync(contracts, finishedBuys);
        await PublishAsync(contracts, now);
        if (isBuy && OrderStatus.IsOpen(status))
        {
            // Filled below its limit: keep held exactly what the rest of it can cost.
            var excess = OrderRules.ReserveMicros(order) - contracts.Sum(c => checked(c.PriceMicros * c.Quota)) - checked(order.PriceMicros * bookOrder.Remaining);
            if (excess > 0)
            {
                await GrainFactory.GetGrain<IAccountGrain>(order.Participant).Release(holdId!, $"{holdId}/improvement", excess);
            }
        }
        return view with { Fills = [.. contracts.Select(c => new OrderFill(c.Id, c.PriceMicros, c.Quota, isBuy ? c.Provider : c.Buyer))] };
    }

    public async Task<OrderView> Cancel(string orderId, string participant)
    {
        var record = await OwnOpenOrderAsync(orderId, participant);
        engine.Cancel(record.Number);
        var cancelled = record with
        {
            View = record.View with { Status = OrderStatus.Cancelled, Remaining = 0, Reason = OrderRules.CancelText(CancelReason.Requested), UpdatedAt = time.GetUtcNow() },
        };
        await CommitOrDropAsync(new BookChange(null, [cancelled], []));
        open.Remove(record.Number);
        await PublishAsync([], cancelled.View.UpdatedAt);
        if (cancelled.View.Side == "buy")
        {
            await FinishAsync([], [cancelled]);
        }
        return await WithFillsAsync(cancelled.View);
    }

    public async Task<OrderView> Reduce(string orderId, string participant, long newRemaining)
    {
        var record = await OwnOpenOrderAsync(orderId, participant);
        if (newRemaining < 1 || newRemaining >= record.View.Remaining)
        {
            throw DomainException.Invalid("invalid_quantity", $"a reduce must leave 1 to {record.View.Remaining - 1} units");
        }
        engine.Reduce(record.Number, newRemaining);
        var reduced = record with { View = record.View with { Remaining = newRemaining, UpdatedAt = time.GetUtcNow() } };
        await CommitOrDropAsync(new BookChange(null, [reduced], []));
        open[record.Number] = reduced;
        await PublishAsync([], reduced.View.UpdatedAt);
        if (reduced.View.Side == "buy")
        {
            await GrainFactory.GetGrain<IAccountGrain>(reduced.View.Participant).Release(reduced.HoldId!,
                $"{reduced.HoldId}/reduce-to-{newRemaining}", checked(reduced.View.PriceMicros * (record.View.Remaining - newRemaining)));
        }
        return await WithFillsAsync(reduced.View);
    }

    public Task<BookView> Book(int depth)
    {
        var levels = Math.Clamp(depth, 1, BookDepthMax);
        var bids = new List<(long, long)>();
        var asks = new List<(long, long)>();
        engine.Depth(Side.Buy, levels, bids);
        engine.Depth(Side.Sell, levels, asks);
        return Task.FromResult(new BookView(Product,
            [.. bids.Select(l => new BookLevel(l.Item1, l.Item2))],
            [.. asks.Select(l => new BookLevel(l.Item1, l.Item2))],
            engine.LastTradePriceMicros == 0 ? null : engine.LastTradePriceMicros));
    }

    /// <summary>Trades and the new top of book, after they are durable, in the order they happened.</summary>
    private async Task PublishAsync(IReadOnlyList<ContractView> contracts, DateTimeOffset at)
    {
        var trades = Streams.GetStream<TradeEvent>(TradingStreams.Trades(Product));
        foreach (var c in contracts)
        {
            await trades.OnNextAsync(new TradeEvent(Product, c.Id, c.Buyer, c.Provider, c.PriceMicros, c.Quota, c.BuyOrderId, c.SellOrderId, at));
        }
        await Streams.GetStream<BookChangedEvent>(TradingStreams.Books(Product)).OnNextAsync(new BookChangedEvent(
            Product, engine.BestBidMicros, engine.BestAskMicros, engine.LastTradePriceMicros == 0 ? null : engine.LastTradePriceMicros, at));
    }

    private async Task<ProductView> RequireTradableAsync(PlaceOrder order)
    {
        var product = await GrainFactory.GetGrain<IProductGrain>(Product).Get()
            ?? throw DomainException.NotFound("unknown_product", $"no product {Product}");
        if (product.Status != ProductStatus.Listed)
        {
            throw DomainException.Rule("product_not_listed", $"product {Product} is not listed; only listed products trade");
        }
        var participant = await GrainFactory.GetGrain<IParticipantGrain>(order.Participant).Get()
            ?? throw DomainException.NotFound("unknown_participant", $"no participant {order.Participant}");
        if (participant.Status != ParticipantStatus.Active)
        {
            throw DomainException.Forbidden("participant_not_active", $"participant {order.Participant} is not active");
        }
        if (order.Quantity > participant.Limits.MaxOrderQuantity)
        {
            throw DomainException.Rule("tier_limit_exceeded", $"tier {participant.Tier} allows at most {participant.Limits.MaxOrderQuantity} units per order");
        }
        if (order.Side == "buy")
        {
            if (!participant.Roles.Contains(Roles.Buyer))
            {
                throw DomainException.Rule("not_a_buyer", $"participant {order.Participant} is not admitted as a buyer");
            }
            if (!product.Scenarios.Contains(order.Scenario!))
            {
                throw DomainException.Rule("scenario_not_permitted",
                    $"product {Product} permits the scenarios {string.Join(", ", product.Scenarios)}, not {order.Scenario}");
            }
        }
        else if (product.Provider != order.Participant)
        {
            throw DomainException.Rule("not_the_provider", $"only {product.Provider}, the product's provider, sells {Product}");
        }
        return product;
    }

    private ContractView ContractOf(Fill fill, OrderRecord maker, OrderRecord taker, ProductView product, DateTimeOffset now)
    {
        var (buy, sell) = taker.View.Side == "buy" ? (taker, maker) : (maker, taker);
        var number = ++lastContractNumber;
        return new ContractView($"K-{Product}-{number}", buy.View.Participant, sell.View.Participant, Product, fill.PriceMicros, fill.Quantity, 0,
            buy.View.Scenario!, product.Delivery, now, now.AddDays(buy.View.ValidityDays), ContractStatus.Pending, null, ExchangeFeeBasisPoints,
            buy.View.OrderId, sell.View.OrderId, buy.HoldId!);
    }

    /// <summary>Escrow and evidence for new contracts, then the leftovers of finished buys' holds. Each step is idempotent.</summary>
    private async Task FinishAsync(IReadOnlyList<ContractView> contracts, IReadOnlyList<OrderRecord> finishedBuys)
    {
        foreach (var contract in contracts)
        {
            await GrainFactory.GetGrain<IAccountGrain>(contract.Buyer).Capture(contract.BuyHoldId, contract.Id, checked(contract.PriceMicros * contract.Quota), contract.Id);
            await GrainFactory.GetGrain<IContractGrain>(contract.Id).Activate();
        }
        foreach (var buy in finishedBuys)
        {
            await ReleaseHoldAsync(buy.View.Participant, buy.HoldId!);
            await store.MarkHoldReleasedAsync(buy.View.OrderId, CancellationToken.None);
        }
    }

    /// <summary>Closes a buy's hold and returns what is left of it; a repeat is answered with the first result.</summary>
    private Task ReleaseHoldAsync(string participant, string holdId) =>
        GrainFactory.GetGrain<IAccountGrain>(participant).Void(holdId);

    private async Task<OrderRecord> OwnOpenOrderAsync(string orderId, string participant)
    {
        var number = ParseNumber(orderId);
        if (number is { } n && open.TryGetValue(n, out var record))
        {
            return record.View.Participant == participant
                ? record
                : throw DomainException.Forbidden("forbidden", "only the order's owner may change it");
        }
        var stored = await store.FindOrderAsync(orderId, CancellationToken.None);
        if (stored is null || stored.View.Product != Product)
        {
            throw DomainException.NotFound("unknown_order", $"no order {orderId}");
        }
        return stored.View.Participant != participant
            ? throw DomainException.Forbidden("forbidden", "only the order's owner may change it")
            : throw DomainException.Conflict("order_not_open", $"order {orderId} is {stored.View.Status}");
    }

    private async Task CommitOrDropAsync(BookChange change)
    {
        try
        {
            await store.CommitAsync(change, CancellationToken.None);
        }
        catch (Exception error)
        {
            logger.LogError(error, "book {Product}: commit failed; reloading from storage", Product);
            DeactivateOnIdle();
            throw;
        }
    }

    private async Task<OrderView> WithFillsAsync(OrderView view) =>
        view with { Fills = await store.FillsOfAsync(view.OrderId, CancellationToken.None) };

    private long? ParseNumber(string orderId)
    {
        var separator = orderId.LastIndexOf(':');
        return separator > 0 && orderId[..separator] == Product && long.TryParse(orderId[(separator + 1)..], out var n) ? n : null;
    }

    private static bool SameOrder(OrderView stored, PlaceOrder order) =>
        stored.Product == order.Product && stored.Side == order.Side && stored.Type == order.Type && stored.TimeInForce == order.TimeInForce
        && stored.PriceMicros == order.PriceMicros && stored.Quantity == order.Quantity && stored.MaxCostMicros == order.MaxCostMicros;
}
