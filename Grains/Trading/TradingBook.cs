using System.Diagnostics;
using ClearingCluster.Grains.Trading.Journal;
using ClearingCluster.Grains.Trading.Matching;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Accounts;
using ClearingCluster.Interfaces.Contracts;
using ClearingCluster.Interfaces.Products;
using ClearingCluster.Interfaces.Trading;

namespace ClearingCluster.Grains.Trading;

/// <summary>
/// One product's book as plain state, with no runtime or I/O: it places, cancels and reduces orders against the
/// matching engine and records, in the same synchronous step, the journal events, the money each account moves and
/// the contracts made (in a <see cref="BookBatch"/>); it rebuilds itself by replaying journal chunks, applying effects
/// and never re-matching. Money rules: a buy's reserve (price × quantity, or a market buy's maxCost) is taken by its
/// account before it arrives; each fill moves price × quantity of the buy's hold into the contract's escrow; a resting
/// buy keeps held exactly its price × remaining, and a finished buy gives back whatever is left.
/// </summary>
public sealed class TradingBook(string product, EngineLimits limits)
{
    /// <summary>The exchange's fee on a contract's gross, in basis points (1/100 %), when its facts name none (<see cref="Clearing.FeeSchedule"/>).</summary>
    public const long ExchangeFeeBasisPoints = 300;

    private readonly MatchingEngine engine = new(limits);
    private readonly Dictionary<long, OpenOrder> open = [];
    private readonly Dictionary<string, long> capturedByBuyer = new(StringComparer.Ordinal);
    private readonly List<Fill> fills = [];

    public string Product { get; } = product;

    public long LastOrderNumber { get; private set; }

    public long LastContractNumber { get; private set; }

    /// <summary>The last commit item this book made (or replayed).</summary>
    public long LastItem { get; private set; }

    public MatchingEngine Engine => engine;

    public int OpenCount => open.Count;

    public IEnumerable<OpenOrder> OpenOrders => open.Values;

    public IReadOnlyDictionary<string, long> CapturedByBuyer => capturedByBuyer;

    public string OrderId(long number) => $"{Product}:{number}";

    /// <summary>Starts the batch of the next commit item.</summary>
    public BookBatch NextBatch(DateTimeOffset at) => new(Product, ++LastItem, at);

    public OpenOrder? FindOpen(long number) => open.GetValueOrDefault(number);

    /// <summary>
    /// Places one admitted order. A refusal (product, scenario, provider, engine bounds) changes nothing and records
    /// nothing; otherwise the order, its contracts and its money are in <paramref name="batch"/>.
    /// </summary>
    public OrderPlacement Place(OrderTicket ticket, BookFacts? facts, BookBatch batch)
    {
        var o = ticket.Order;
        var isBuy = o.Side == "buy";
        try
        {
            RequireTradable(o, facts);
        }
        catch (DomainException refused)
        {
            return OrderPlacement.Refused(refused);
        }
        var reserved = isBuy ? OrderRules.ReserveMicros(o) : 0;
        if (ticket.ReservedMicros != reserved || o.Product != Product)
        {
            throw new InvalidOperationException($"order {o.ClientOrderId} reached book {Product} with a reserve of {ticket.ReservedMicros} µ¥, not {reserved} µ¥");
        }

        var number = LastOrderNumber + 1;
        var order = new BookOrder(number, o.Participant, OrderRules.SideOf(o.Side), OrderRules.TypeOf(o.Type), OrderRules.TimeInForceOf(o.TimeInForce),
            o.PriceMicros, o.Quantity, o.MaxCostMicros);
        fills.Clear();
        var result = engine.Submit(order, fills);
        if (result.Outcome == OrderOutcome.Rejected)
        {
            Debug.Assert(fills.Count == 0, "a rejected order trades nothing");
            return OrderPlacement.Refused(DomainException.Rule(OrderRules.RejectCode(result.RejectReason), $"order refused by the book: {result.RejectReason}"));
        }
        LastOrderNumber = number;

        var at = batch.At;
        var placedAt = batch.Events.Count;
        var takerFills = new List<OrderFill>(fills.Count);
        long captured = 0;
        foreach (var fill in fills)
        {
            var contract = Trade(fill, o, facts!, batch);
            takerFills.Add(new OrderFill(contract.Id, contract.PriceMicros, contract.Quota, isBuy ? contract.Provider : contract.Buyer));
            if (isBuy)
            {
                captured = checked(captured + contract.EscrowMicros);
            }
        }

        var (status, reason) = result.Outcome switch
        {
            OrderOutcome.Resting => (OrderStatus.Resting, null),
            OrderOutcome.PartiallyFilled => (OrderStatus.PartiallyFilled, null),
            OrderOutcome.Filled => (OrderStatus.Filled, null),
            _ => (OrderStatus.Cancelled, result.RejectReason == RejectReason.BookFull ? "book_full" : OrderRules.CancelText(result.CancelReason)),
        };
        var isOpen = OrderStatus.IsOpen(status);
        var remaining = isOpen ? order.Remaining : 0;
        var filled = result.FilledQuantity;
        // A resting buy keeps exactly its price for each open unit; a finished one keeps nothing.
        var released = isBuy ? checked(reserved - captured - (isOpen ? o.PriceMicros * remaining : 0)) : 0;
        Debug.Assert(released >= 0, "a buy never captures more than it reserved");
        if (isBuy)
        {
            batch.Fences.UnionWith(ticket.AccountFences);
            batch.Move(new AccountDelta(o.Participant, checked(released - reserved), checked(reserved - captured - released), captured), tellAccount: false);
        }

        var view = new OrderView(OrderId(number), o.ClientOrderId, o.Participant, Product, o.Side, o.Type, o.TimeInForce, o.PriceMicros, o.Quantity,
            o.MaxCostMicros, isBuy ? o.Scenario : null, isBuy ? o.ValidityDays : 0, status, filled, remaining, o.Quantity - filled - remaining, reason,
            ticket.EnteredBy, [.. takerFills], at, at);
        batch.Events.Insert(placedAt, new OrderPlaced(number, order.Sequence, o.Participant, o.ClientOrderId, ticket.EnteredBy, o.Side, o.Type, o.TimeInForce,
            o.PriceMicros, o.Quantity, o.MaxCostMicros, view.Scenario, view.ValidityDays, reserved, status, filled, remaining, reason, released, at));
        batch.Placed(o.Participant, number, o.ClientOrderId);
        if (isOpen)
        {
            open[number] = new OpenOrder(view, order.Sequence, takerFills);
        }
        else
        {
            batch.Closed(o.Participant, number);
        }
        return new OrderPlacement(view, null, captured, released);
    }

    /// <summary>Cancels an open order; null when it is not open. Authority is the caller's to check.</summary>
    public OrderView? Cancel(long number, string by, string reason, BookBatch batch)
    {
        if (!open.Remove(number, out var order))
        {
            return null;
        }
        var cancelled = engine.Cancel(number);
        Debug.Assert(cancelled is not null, "an open order rests in the engine");
        var released = order.HeldMicros;
        var cancelledNow = order.Remaining;
        (order.Cancelled, order.Remaining, order.UpdatedAt) = (order.Cancelled + cancelledNow, 0, batch.At);
        batch.Events.Add(new OrderCancelled(number, order.Filled, cancelledNow, released, reason, by, batch.At));
        batch.Closed(order.Participant, number);
        if (released > 0)
        {
            batch.Move(new AccountDelta(order.Participant, released, -released, 0), tellAccount: true);
        }
        return order.View([.. order.Fills], OrderStatus.Cancelled, reason);
    }

    /// <summary>Cancels every open order, or those of one participant, oldest first; what was cancelled.</summary>
    public IReadOnlyList<OrderView> CancelAll(string? participant, string by, string reason, BookBatch batch)
    {
        var numbers = open.Where(o => participant is null || o.Value.Participant == participant).Select(o => o.Key).Order().ToList();
        var cancelled = numbers.Select(n => Cancel(n, by, reason, batch)!).ToList();
        Debug.Assert(participant is not null || open.Count == 0, "pulling every order leaves none open");
        return cancelled;
    }

    /// <summary>
    /// Lowers an open order's remaining, keeping its priority; repeating the last reduce returns the order as it
    /// stands. Null when it is not open.
    /// </summary>
    public OrderView? Reduce(long number, string by, long newRemaining, BookBatch batch)
    {
        if (!open.TryGetValue(number, out var order))
        {
            return null;
        }
        if (order.LastReducedTo == newRemaining && newRemaining >= order.Remaining)
        {
            return order.Snapshot();
        }
        if (newRemaining < 1 || newRemaining >= order.Remaining)
        {
            throw DomainException.Invalid("invalid_quantity", $"a reduce must leave 1 to {order.Remaining - 1} units of order {order.OrderId}");
        }
        engine.Reduce(number, newRemaining);
        var released = order.IsBuy ? checked(order.PriceMicros * (order.Remaining - newRemaining)) : 0;
        (order.Cancelled, order.Remaining, order.UpdatedAt) = (order.Cancelled + order.Remaining - newRemaining, newRemaining, batch.At);
        order.LastReducedTo = newRemaining;
        batch.Events.Add(new OrderReduced(number, newRemaining, released, by, batch.At));
        if (released > 0)
        {
            batch.Move(new AccountDelta(order.Participant, released, -released, 0), tellAccount: true);
        }
        return order.Snapshot();
    }

    /// <summary>Applies a journal chunk's effects, as they were recorded; the engine is never asked to match.</summary>
    public void Replay(JournalChunk chunk)
    {
        foreach (var e in chunk.Events)
        {
            switch (e)
            {
                case OrderPlaced p:
                    LastOrderNumber = Math.Max(LastOrderNumber, p.Number);
                    engine.RestoreSequence(p.Sequence);
                    if (OrderStatus.IsOpen(p.Status))
                    {
                        engine.Restore(new BookOrder(p.Number, p.Participant, OrderRules.SideOf(p.Side), OrderType.Limit, TimeInForce.Gtc, p.PriceMicros, p.Remaining),
                            p.Sequence);
                        open[p.Number] = new OpenOrder(new OrderView(OrderId(p.Number), p.ClientOrderId, p.Participant, Product, p.Side, p.Type, p.TimeInForce,
                            p.PriceMicros, p.Quantity, p.MaxCostMicros, p.Scenario, p.ValidityDays, p.Status, p.Filled, p.Remaining, p.Cancelled, p.Reason,
                            p.EnteredBy, [], p.At, p.At), p.Sequence, []);
                    }
                    break;
                case ContractMade c:
                    LastContractNumber = Math.Max(LastContractNumber, c.ContractNumber);
                    engine.ApplyFill(c.MakerOrder, c.Quantity, c.PriceMicros);
                    var contractId = ContractTerms.IdOf(Product, c.ContractNumber);
                    if (open.TryGetValue(c.MakerOrder, out var maker))
                    {
                        (maker.Filled, maker.Remaining, maker.UpdatedAt) = (c.MakerFilled, c.MakerRemaining, c.At);
                        maker.Fills.Add(new OrderFill(contractId, c.PriceMicros, c.Quantity, maker.IsBuy ? c.Provider : c.Buyer));
                        if (c.MakerRemaining == 0)
                        {
                            open.Remove(c.MakerOrder);
                        }
                    }
                    if (open.TryGetValue(c.TakerOrder, out var taker))
                    {
                        taker.Fills.Add(new OrderFill(contractId, c.PriceMicros, c.Quantity, taker.IsBuy ? c.Provider : c.Buyer));
                    }
                    capturedByBuyer[c.Buyer] = checked(capturedByBuyer.GetValueOrDefault(c.Buyer) + c.ValueMicros);
                    break;
                case OrderCancelled x:
                    engine.Cancel(x.Number);
                    open.Remove(x.Number);
                    break;
                case OrderReduced r:
                    engine.Reduce(r.Number, r.Remaining);
                    if (open.TryGetValue(r.Number, out var reduced))
                    {
                        (reduced.Cancelled, reduced.Remaining, reduced.UpdatedAt) = (reduced.Cancelled + reduced.Remaining - r.Remaining, r.Remaining, r.At);
                        reduced.LastReducedTo = r.Remaining;
                    }
                    break;
            }
        }
        LastItem = Math.Max(LastItem, chunk.Item);
    }

    /// <summary>Per participant: held for its open buys, escrow its contracts captured, open buys.</summary>
    public IReadOnlyList<BookPosition> Positions()
    {
        var held = new Dictionary<string, (long Held, int Buys)>(StringComparer.Ordinal);
        foreach (var order in open.Values.Where(o => o.IsBuy))
        {
            var (h, n) = held.GetValueOrDefault(order.Participant);
            held[order.Participant] = (checked(h + order.HeldMicros), n + 1);
        }
        return [.. held.Keys.Union(capturedByBuyer.Keys).Order(StringComparer.Ordinal)
            .Select(p => new BookPosition(p, held.GetValueOrDefault(p).Held, capturedByBuyer.GetValueOrDefault(p), held.GetValueOrDefault(p).Buys))];
    }

    /// <summary>The book's state as of <see cref="LastItem"/>, for a snapshot.</summary>
    public BookState State() => new(LastItem, LastOrderNumber, LastContractNumber, engine.LastTradePriceMicros, engine.Sequence,
        [.. open.Values.OrderBy(o => o.Sequence).Select(o => new BookState.Open(o.Snapshot(), o.Sequence, o.LastReducedTo))],
        new Dictionary<string, long>(capturedByBuyer, StringComparer.Ordinal));

    /// <summary>Starts from a snapshot: the open orders go back into the engine in time priority.</summary>
    public void Restore(BookState state)
    {
        if (LastItem != 0 || open.Count != 0)
        {
            throw new InvalidOperationException("a book is restored from a snapshot only when it is empty");
        }
        LastItem = state.LastItem;
        LastOrderNumber = state.LastOrderNumber;
        LastContractNumber = state.LastContractNumber;
        if (state.LastTradePriceMicros > 0)
        {
            engine.RestoreLastTrade(state.LastTradePriceMicros);
        }
        engine.RestoreSequence(state.EngineSequence);
        foreach (var (view, sequence, lastReducedTo) in state.OpenOrders)
        {
            var number = long.Parse(view.OrderId.AsSpan(view.OrderId.LastIndexOf(':') + 1), System.Globalization.CultureInfo.InvariantCulture);
            engine.Restore(new BookOrder(number, view.Participant, OrderRules.SideOf(view.Side), OrderType.Limit, TimeInForce.Gtc, view.PriceMicros, view.Remaining),
                sequence);
            open[number] = new OpenOrder(view with { Fills = [] }, sequence, [.. view.Fills]) { LastReducedTo = lastReducedTo };
        }
        foreach (var (buyer, captured) in state.CapturedByBuyer)
        {
            capturedByBuyer[buyer] = captured;
        }
    }

    private ContractTerms Trade(Fill fill, PlaceOrder takerOrder, BookFacts facts, BookBatch batch)
    {
        var maker = open[fill.Maker.OrderId];
        var takerIsBuy = takerOrder.Side == "buy";
        var (buyOrder, sellOrder) = takerIsBuy ? (fill.Taker.OrderId, fill.Maker.OrderId) : (fill.Maker.OrderId, fill.Taker.OrderId);
        var (buyer, provider) = takerIsBuy ? (takerOrder.Participant, maker.Participant) : (maker.Participant, takerOrder.Participant);
        var (scenario, validityDays) = takerIsBuy ? (takerOrder.Scenario!, takerOrder.ValidityDays) : (maker.Scenario!, maker.ValidityDays);
        var at = batch.At;
        var terms = new ContractTerms(ContractTerms.IdOf(Product, ++LastContractNumber), LastContractNumber, buyer, provider, Product, fill.PriceMicros,
            fill.Quantity, scenario, facts.Delivery, at, at.AddDays(validityDays), facts.FeeBasisPoints, OrderId(buyOrder), OrderId(sellOrder));

        var makerRemaining = fill.Maker.Remaining;
        (maker.Filled, maker.Remaining, maker.UpdatedAt) = (maker.Filled + fill.Quantity, makerRemaining, at);
        maker.Fills.Add(new OrderFill(terms.Id, terms.PriceMicros, terms.Quota, takerOrder.Participant));
        if (makerRemaining == 0)
        {
            open.Remove(fill.Maker.OrderId);
            batch.Closed(maker.Participant, fill.Maker.OrderId);
        }

        batch.Events.Add(new ContractMade(terms.Number, buyOrder, sellOrder, terms.PriceMicros, terms.Quota, buyer, provider, scenario, facts.Delivery,
            terms.ValidTo, terms.ExchangeFeeBasisPoints, fill.Maker.OrderId, maker.Filled, makerRemaining, at));
        batch.ContractMade(terms);
        capturedByBuyer[buyer] = checked(capturedByBuyer.GetValueOrDefault(buyer) + terms.EscrowMicros);
        if (!takerIsBuy)
        {
            // The resting buy's hold pays the contract's escrow; its account is told once this is durable.
            batch.Move(new AccountDelta(buyer, 0, -terms.EscrowMicros, terms.EscrowMicros), tellAccount: true);
        }
        return terms;
    }

    private void RequireTradable(PlaceOrder order, BookFacts? facts)
    {
        if (facts is null)
        {
            throw DomainException.NotFound("unknown_product", $"no product {Product}");
        }
        if (facts.Status != ProductStatus.Listed)
        {
            throw DomainException.Rule("product_not_listed", $"product {Product} is not listed; only listed products trade");
        }
        if (order.Side == "buy")
        {
            if (!facts.Scenarios.Contains(order.Scenario!))
            {
                throw DomainException.Rule("scenario_not_permitted",
                    $"product {Product} permits the scenarios {string.Join(", ", facts.Scenarios.Order(StringComparer.Ordinal))}, not {order.Scenario}");
            }
        }
        else if (facts.Provider != order.Participant)
        {
            throw DomainException.Rule("not_the_provider", $"only {facts.Provider}, the product's provider, sells {Product}");
        }
    }
}
