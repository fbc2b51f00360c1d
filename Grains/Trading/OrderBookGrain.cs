using ClearingCluster.Grains.Contracts;
using ClearingCluster.Grains.Ledger;
using ClearingCluster.Grains.Trading.Journal;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Accounts;
using ClearingCluster.Interfaces.Ledger;
using ClearingCluster.Interfaces.Participants;
using ClearingCluster.Interfaces.Products;
using ClearingCluster.Interfaces.Trading;
using ClearingCluster.Runtime;
using ClearingCluster.Runtime.Durability;
using Microsoft.Extensions.Logging;

namespace ClearingCluster.Grains.Trading;

/// <summary>
/// One product's order book: thin around <see cref="TradingBook"/>. A call matches in memory in one turn, with no
/// await before the match (the product's facts are held in memory, refreshed when the product changes), and puts its
/// changes on the commit log in that same turn; then it waits for the commit while further calls match, and answers
/// once durable. After the commit the accounts outside the call chain (makers, owners of cancelled orders) are told
/// and trades are published. Contracts are evidenced behind the trading path: whatever committed since the last
/// entry goes onto the ledger as one entry under one Merkle root, one append in flight at a time and, under load, at
/// most one per <see cref="TradingOptions.EvidenceEvery"/>. A failed commit drops the activation: the next one
/// rebuilds the book from its snapshot and journal, and puts on the ledger any contracts a crash left without evidence.
/// </summary>
public sealed class OrderBookGrain(
    ITradingStore store,
    ILedgerStore ledgerStore,
    GroupCommit commit,
    TradingOptions options,
    Clearing.FeeSchedule fees,
    TimeProvider time,
    ILogger<OrderBookGrain> logger) : Grain, IOrderBookGrain
{
    /// <summary>Who the journal names for orders the exchange pulls.</summary>
    public const string ExchangeActor = "exchange";

    public const string ProductDelisted = "product_delisted";

    private TradingBook book = null!;
    private BookFacts? facts;
    private CommitWriter writer = null!;
    private Task lastCommit = Task.CompletedTask;
    private readonly List<Interfaces.Contracts.ContractTerms> unevidenced = [];
    private Task evidencing = Task.CompletedTask;
    private long evidencedThrough;

    /// <summary>The highest contract handed to an append (in flight or done): the next entry starts right after it.</summary>
    private long queuedThrough;

    /// <summary>Completed when contracts arrive for evidence: a wait held up by a gap resumes then.</summary>
    private TaskCompletionSource arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completed (and replaced) whenever an entry is appended: a wait for evidence looks again then (or when the append loop ends).</summary>
    private TaskCompletionSource progressed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completed to end the append loop's pacing wait at once: evidence asked for, enough contracts waiting, a deactivation.</summary>
    private TaskCompletionSource hurry = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>When the last entry was appended, on the machine's monotonic clock: pacing is about load, not business time.</summary>
    private long lastAppendedMs = long.MinValue / 2;

    /// <summary>Deactivating: what is queued goes on the ledger without waiting for the pace.</summary>
    private bool stopping;

    /// <summary>
    /// An append failed in this activation: no other goes after it, or a later entry would cover the failed range in the
    /// ledger's eyes and the next activation would never redeliver it.
    /// </summary>
    private bool evidenceFailed;
    private long journalBytesSinceSnapshot;
    private long lastSnapshotBytes;

    private string Product => GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // The epoch first: from here on, nothing an older activation still holds can commit, so what is read is final.
        writer = await commit.OpenWriterAsync($"book/{Product}", GrainId, cancellationToken);
        facts = await GrainFactory.GetGrain<IProductGrain>(Product).Get() is { } product ? BookFacts.From(product, fees) : null;
        book = new TradingBook(Product, options.Engine);
        var stored = await store.LoadBookAsync(Product, cancellationToken);
        if (stored.Snapshot is { } snapshot)
        {
            book.Restore(snapshot);
        }
        foreach (var row in stored.Rows)
        {
            foreach (var chunk in BookJournal.Decode(row.Events))
            {
                // A row merged in one flush may hold items the snapshot already holds.
                if (chunk.Item > book.LastItem)
                {
                    book.Replay(chunk);
                }
            }
            journalBytesSinceSnapshot += row.Events.Length;
        }
        await RedeliverEvidenceAsync(cancellationToken);
        if (facts?.Status == ProductStatus.Delisted && book.OpenCount > 0)
        {
            // Delisted, but the pull did not commit before a crash (or a failed flush): finish it now.
            await PullOrders(null, ProductDelisted);
        }
    }

    public async Task<IReadOnlyList<OrderPlacement>> Place(IReadOnlyList<OrderTicket> tickets)
    {
        if (tickets.Count == 0 || tickets.Count > options.BatchOrdersMax)
        {
            throw DomainException.Invalid("invalid_batch", $"a book takes 1–{options.BatchOrdersMax} orders at a time");
        }
        writer.EnsureCanCommit(tickets.Count);

        // One synchronous segment: every order matched, its changes queued for the commit log in arrival order.
        var batch = book.NextBatch(Now());
        var placements = new OrderPlacement[tickets.Count];
        for (var i = 0; i < tickets.Count; i++)
        {
            placements[i] = book.Place(tickets[i], facts, batch);
        }
        if (!batch.IsEmpty)
        {
            await CommitAsync(batch);
        }
        return placements;
    }

    public async Task<OrderView> Cancel(string orderId, string actor, bool byStaff = false)
    {
        var number = NumberOf(orderId);
        if (book.FindOpen(number) is { } open)
        {
            var reason = byStaff ? "cancelled_by_staff" : await AuthorityAsync(open.OrderId, open.Participant, open.EnteredBy, actor);
            writer.EnsureCanCommit(1);
            var batch = book.NextBatch(Now());
            if (book.Cancel(number, actor, reason, batch) is { } cancelled)
            {
                await CommitAsync(batch);
                return cancelled;
            }
        }
        throw await NotOpenAsync(orderId, byStaff ? null : actor);
    }

    public async Task<int> PullOrders(string? participant, string reason)
    {
        writer.EnsureCanCommit(1);
        var batch = book.NextBatch(Now());
        var pulled = book.CancelAll(participant, ExchangeActor, reason, batch);
        if (!batch.IsEmpty)
        {
            await CommitAsync(batch);
            logger.LogInformation("book {Product}: pulled {Count} open orders{Of} ({Reason})", Product, pulled.Count,
                participant is null ? "" : $" of {participant}", reason);
        }
        return pulled.Count;
    }

    public async Task<OrderView> Reduce(string orderId, string actor, long newRemaining, bool byStaff = false)
    {
        var number = NumberOf(orderId);
        if (book.FindOpen(number) is { } open)
        {
            await AuthorityAsync(open.OrderId, open.Participant, open.EnteredBy, actor, readsAll: byStaff);
            writer.EnsureCanCommit(1);
            var batch = book.NextBatch(Now());
            if (book.Reduce(number, actor, newRemaining, batch) is { } reduced)
            {
                if (!batch.IsEmpty)
                {
                    await CommitAsync(batch);
                }
                return reduced;
            }
        }
        throw await NotOpenAsync(orderId, actor, readsAll: byStaff);
    }

    public async Task<OrderView?> GetOrder(string orderId)
    {
        var number = NumberOf(orderId);
        // Everything submitted before this read is durable before it is shown, so nothing shown can vanish.
        await lastCommit;
        if (book.FindOpen(number) is { } open)
        {
            return open.Snapshot();
        }
        if (number > book.LastOrderNumber)
        {
            return null;
        }
        var created = await store.RowWithOrderAsync(Product, number, CancellationToken.None)
            ?? throw new InvalidOperationException($"order {orderId} is below the book's last number but not in its journal");
        var placed = OrderHistory.Build(Product, number, BookJournal.Decode(created.Events))!;
        if (!OrderStatus.IsOpen(placed.Status))
        {
            return placed;
        }
        // It rested and has closed since: its fills and its close are in its owner's rows after the one that placed it.
        var later = await store.ParticipantRowsUntilClosedAsync(placed.Participant, Product, created.Batch, number, CancellationToken.None);
        return OrderHistory.Build(Product, number, [.. BookJournal.Decode(created.Events), .. later.Where(r => r.Batch != created.Batch).SelectMany(r => BookJournal.Decode(r.Events))]);
    }

    public Task<BookView> Book(int depth)
    {
        var levels = OrderBookDepth.Validate(depth);
        var bids = new List<(long, long)>();
        var asks = new List<(long, long)>();
        book.Engine.Depth(Matching.Side.Buy, levels, bids);
        book.Engine.Depth(Matching.Side.Sell, levels, asks);
        return Task.FromResult(new BookView(Product,
            [.. bids.Select(l => new BookLevel(l.Item1, l.Item2))],
            [.. asks.Select(l => new BookLevel(l.Item1, l.Item2))],
            book.Engine.LastTradePriceMicros == 0 ? null : book.Engine.LastTradePriceMicros));
    }

    /// <summary>The new facts hold from this turn on (a suspended or delisted product matches nothing); a delisting pulls every open order.</summary>
    public async Task ProductChanged(ProductView product)
    {
        facts = BookFacts.From(product, fees);
        if (product.Status == ProductStatus.Delisted && book.OpenCount > 0)
        {
            await PullOrders(null, ProductDelisted);
        }
    }

    public async Task<long> Evidenced(long contractNumber)
    {
        while (evidencedThrough < Math.Min(contractNumber, book.LastContractNumber))
        {
            if (evidenceFailed || (evidencing.IsCompleted && unevidenced.Count == 0))
            {
                throw DomainException.Unavailable("evidence_unavailable",
                    $"book {Product} could not put contracts after {evidencedThrough} on the evidence ledger yet; ask again");
            }
            if (evidencing.IsCompleted)
            {
                // Held up by a gap (a later batch's contracts came back first): the missing ones are on their way.
                await arrived.Task;
                continue;
            }
            hurry.TrySetResult();
            await Task.WhenAny(progressed.Task, evidencing);
        }
        return evidencedThrough;
    }

    public async Task<IReadOnlyList<BookPosition>> Positions()
    {
        await lastCommit;
        return book.Positions();
    }

    /// <summary>
    /// Puts the batch on the commit log and waits for it; then the contracts' evidence, the accounts outside the call
    /// chain, a snapshot when the journal has grown, and the stream events. Throws (and drops the activation) when the
    /// batch did not commit: nothing of it stands.
    /// </summary>
    private async Task CommitAsync(BookBatch batch)
    {
        var item = new BookCommit(batch);
        var durable = writer.CommitAsync(item);
        lastCommit = durable.ContinueWith(static _ => { }, TaskScheduler.Default);
        try
        {
            await durable;
        }
        catch
        {
            // Memory has matched what storage never got: the next activation rebuilds from the journal.
            DeactivateOnIdle();
            throw;
        }

        journalBytesSinceSnapshot += item.Events.Length;
        SnapshotIfDue();
        Evidence(batch.Contracts);
        await Task.WhenAll(batch.Notifications.Select(d => TellAsync(d, item.VersionOf(d.AccountId))));
        await PublishAsync(batch);
    }

    /// <summary>
    /// Queues committed contracts for the ledger and starts an append unless one is in flight; the append in flight
    /// takes everything queued meanwhile when it is done (under load, once the pace allows), so entries grow with load.
    /// Contracts only go on the ledger after they are durable, so an entry never lands without them.
    /// </summary>
    private void Evidence(IReadOnlyList<Interfaces.Contracts.ContractTerms> committed)
    {
        if (committed.Count == 0)
        {
            return;
        }
        if (unevidenced.Count + committed.Count > options.UnevidencedContractsMax)
        {
            // The ledger is far behind: stop taking orders (writer failed) rather than hold ever more in memory.
            logger.LogError("book {Product}: {Count} contracts await evidence, the bound is {Max}; dropping the activation", Product,
                unevidenced.Count + committed.Count, options.UnevidencedContractsMax);
            DeactivateOnIdle();
        }
        unevidenced.AddRange(committed);
        arrived.TrySetResult();
        arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (unevidenced.Count >= options.EvidenceBatchContracts)
        {
            hurry.TrySetResult();
        }
        if (evidencing.IsCompleted && !evidenceFailed)
        {
            evidencing = EvidenceLoopAsync();
        }
    }

    /// <summary>
    /// The queued contracts that continue the ledger's run for this book without a gap, in order; the rest wait. Batches
    /// committed together come back from the commit log in no set order, and an entry for contracts 1405– appended before
    /// the one for 1404 would break the book's run of entries on the ledger.
    /// </summary>
    private List<Interfaces.Contracts.ContractTerms> TakeContiguous()
    {
        unevidenced.Sort((a, b) => a.Number.CompareTo(b.Number));
        var next = queuedThrough + 1;
        var count = 0;
        while (count < unevidenced.Count && unevidenced[count].Number == next + count)
        {
            count++;
        }
        var batch = unevidenced.GetRange(0, count);
        unevidenced.RemoveRange(0, count);
        return batch;
    }

    private async Task EvidenceLoopAsync()
    {
        var ledger = GrainFactory.GetGrain<ILedgerGrain>(ILedgerGrain.Key);
        // Ends once nothing is queued: a loop started by later contracts paces from the last append all the same.
        while (unevidenced.Count > 0)
        {
            await PaceAsync();
            if (TakeContiguous() is not { Count: > 0 } batch)
            {
                return;
            }
            queuedThrough = batch[^1].Number;
            try
            {
                await ledger.Append(ContractMerkle.Evidence(Product, batch));
                evidencedThrough = Math.Max(evidencedThrough, batch[^1].Number);
                lastAppendedMs = Environment.TickCount64;
                // A hurry asked for what was queued until now, which this entry holds: contracts after it are paced
                // again unless asked for afresh (a waiting Evidenced asks again after each entry).
                if (hurry.Task.IsCompleted)
                {
                    hurry = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
            catch (Exception error)
            {
                // The contracts stand; the next activation finds them without their entry and puts them on the ledger.
                logger.LogError(error, "book {Product}: evidence for contracts {First}–{Last} failed; redelivered on reactivation",
                    Product, batch[0].Number, batch[^1].Number);
                evidenceFailed = true;
                DeactivateOnIdle();
                return;
            }
            Progressed();
        }
    }

    /// <summary>
    /// Waits, under load, until <see cref="TradingOptions.EvidenceEvery"/> has passed since the last entry, so one entry
    /// holds many contracts: with an entry per commit-log flush per book, evidence cost a tenth of a single order's CPU
    /// (16 books: a sixth). A quiet book's first contracts go at once.
    /// </summary>
    private async Task PaceAsync()
    {
        var dueInMs = lastAppendedMs + (long)options.EvidenceEvery.TotalMilliseconds - Environment.TickCount64;
        if (dueInMs > 0 && !hurry.Task.IsCompleted && !stopping && unevidenced.Count < options.EvidenceBatchContracts)
        {
            // Task.Delay takes at most ~49 days; a pace that long is as good as never, short of a hurry.
            await Task.WhenAny(Task.Delay(TimeSpan.FromMilliseconds(Math.Min(dueInMs, int.MaxValue))), hurry.Task);
        }
    }

    private void Progressed()
    {
        var done = progressed;
        progressed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        done.TrySetResult();
    }

    /// <summary>
    /// A deactivation puts what the book committed on the ledger before it goes, without waiting for the pace. On a
    /// leaving silo the ledger's partition is no longer served by then: the append fails, and the book's next
    /// activation (or the sweep at start) puts those contracts on the ledger.
    /// </summary>
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        stopping = true;
        hurry.TrySetResult();
        return evidencing.WaitAsync(cancellationToken);
    }

    private async Task TellAsync(AccountDelta delta, long version)
    {
        try
        {
            await GrainFactory.GetGrain<IAccountGrain>(delta.AccountId).ApplyCommitted(delta, version);
        }
        catch (Exception error)
        {
            // Durable already; the account's memory catches up when it next loads (its view is then too cautious).
            logger.LogWarning(error, "book {Product}: account {Account} was not told of a committed change", Product, delta.AccountId);
        }
    }

    private void SnapshotIfDue()
    {
        if (journalBytesSinceSnapshot < Math.Max(options.SnapshotJournalBytesMin, 2 * lastSnapshotBytes) || writer.IsFailed)
        {
            return;
        }
        // Taken and submitted in one turn: it holds exactly what the items submitted before it hold.
        var state = book.State();
        var bytes = state.Encode();
        lastSnapshotBytes = bytes.Length;
        journalBytesSinceSnapshot = 0;
        _ = SnapshotAsync(new BookSnapshotCommit(Product, state.LastItem, bytes));
    }

    private async Task SnapshotAsync(BookSnapshotCommit snapshot)
    {
        try
        {
            await writer.CommitAsync(snapshot);
        }
        catch (Exception error)
        {
            logger.LogError(error, "book {Product}: snapshot through item {Item} failed", Product, snapshot.Through);
            DeactivateOnIdle();
        }
    }

    /// <summary>Trades and the new top of book, after they are durable, in the order they happened.</summary>
    private async Task PublishAsync(BookBatch batch)
    {
        var trades = Streams.GetStream<TradeEvent>(TradingStreams.Trades(Product));
        if (trades.HasSubscribers)
        {
            foreach (var c in batch.Contracts)
            {
                await trades.OnNextAsync(new TradeEvent(Product, c.Id, c.Buyer, c.Provider, c.PriceMicros, c.Quota, c.BuyOrderId, c.SellOrderId, batch.At));
            }
        }
        var books = Streams.GetStream<BookChangedEvent>(TradingStreams.Books(Product));
        if (books.HasSubscribers)
        {
            var engine = book.Engine;
            await books.OnNextAsync(new BookChangedEvent(
                Product, engine.BestBidMicros, engine.BestAskMicros, engine.LastTradePriceMicros == 0 ? null : engine.LastTradePriceMicros, batch.At));
        }
    }

    /// <summary>Contracts a crash left without their evidence entry (committed, not yet on the ledger) go on it now, as one entry.</summary>
    private async Task RedeliverEvidenceAsync(CancellationToken cancellationToken)
    {
        var covered = await ledgerStore.CoveredThroughAsync(Product, ContractMerkle.EntryKind, cancellationToken);
        evidencedThrough = queuedThrough = covered;
        if (covered >= book.LastContractNumber)
        {
            return;
        }
        var rows = await store.RowsWithContractsAsync(Product, covered + 1, book.LastContractNumber, cancellationToken);
        var contracts = OrderHistory.Contracts(Product, rows.SelectMany(r => BookJournal.Decode(r.Events)))
            .Where(c => c.Number > covered).OrderBy(c => c.Number).ToList();
        logger.LogWarning("book {Product}: contracts {First}–{Last} had no evidence entry; putting them on the ledger", Product, covered + 1, book.LastContractNumber);
        await GrainFactory.GetGrain<ILedgerGrain>(ILedgerGrain.Key).Redeliver(ContractMerkle.Evidence(Product, contracts));
        evidencedThrough = queuedThrough = book.LastContractNumber;
    }

    /// <summary>
    /// Who may change an owner's open order, and the reason a cancel records: the owner, or a gateway it authorised.
    /// Anyone else is told the order does not exist (as a read tells them), except those who can read it and so are told
    /// they may not change it: the gateway that entered it and has lost its authority since, and staff
    /// (<paramref name="readsAll"/>) where staff may not act.
    /// </summary>
    private async Task<string> AuthorityAsync(string orderId, string owner, string enteredBy, string actor, bool readsAll = false)
    {
        if (actor == owner)
        {
            return "cancelled_by_owner";
        }
        var profile = await GrainFactory.GetGrain<IParticipantGrain>(owner).Get();
        if (profile is not null && profile.Gateways.Contains(actor))
        {
            return "cancelled_by_gateway";
        }
        throw actor == enteredBy || readsAll
            ? DomainException.Forbidden("forbidden", "only the order's owner, or a gateway it authorises now, may change it")
            : DomainException.NotFound("unknown_order", $"no order {orderId}");
    }

    /// <summary>Why an order cannot be changed; <paramref name="actor"/> null for staff, who may see any order.</summary>
    private async Task<DomainException> NotOpenAsync(string orderId, string? actor, bool readsAll = false)
    {
        var stored = await GetOrder(orderId);
        if (stored is null)
        {
            return DomainException.NotFound("unknown_order", $"no order {orderId}");
        }
        if (actor is not null)
        {
            await AuthorityAsync(stored.OrderId, stored.Participant, stored.EnteredBy, actor, readsAll);
        }
        return DomainException.Conflict("order_not_open", $"order {orderId} is {stored.Status}");
    }

    private long NumberOf(string orderId) =>
        OrderHistory.NumberOf(Product, orderId) ?? throw DomainException.NotFound("unknown_order", $"no order {orderId}");

    private DateTimeOffset Now() => EvidenceChain.Truncate(time.GetUtcNow());
}
