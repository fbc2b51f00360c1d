using System.Text.Json;
using System.Text.Json.Nodes;
using ClearingCluster.Grains.Ledger;
using ClearingCluster.Grains.Trading;
using ClearingCluster.Grains.Validation;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Accounts;
using ClearingCluster.Interfaces.Ledger;
using ClearingCluster.Interfaces.Participants;
using ClearingCluster.Interfaces.Trading;
using ClearingCluster.Runtime;
using ClearingCluster.Runtime.Durability;
using Microsoft.Extensions.Logging;

namespace ClearingCluster.Grains.Accounts;

/// <summary>
/// A participant's (or a system) account, and the participant's gate to trading. Orders are admitted in memory in
/// one turn — shape, the participant's standing (its profile, held here and refreshed when it changes), a repeated
/// client order id, and a buy's funds, taken from available at once — and go on to their books, which commit each
/// buy's reserve together with its order. A book's definite refusal gives the reserve back; any other failure leaves
/// it taken and drops the activation, so the account reloads its totals from storage under a new epoch (which also
/// fences out anything still in flight for the old one): memory is never richer than storage. The account's own
/// operations (deposits, withdrawals, vouchers) go through the commit log, idempotent by reference.
/// </summary>
public sealed class AccountGrain(
    IAccountStore store,
    ITradingStore trading,
    GroupCommit commit,
    TradingOptions options,
    TimeProvider time,
    ILogger<AccountGrain> logger) : Grain, IAccountGrain
{
    private const int RememberedOperationsMax = 10_000;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Dictionary<string, string> recentOperations = new(StringComparer.Ordinal);

    /// <summary>Cycles whose settlement this activation applied: a settlement told twice counts once.</summary>
    private readonly HashSet<string> settledCycles = new(StringComparer.Ordinal);
    private AccountBook book = null!;
    private CommitWriter writer = null!;
    private ParticipantProfile? profile;

    /// <summary>Placements admitted and on their way to the books: a suspension waits for them, so it finds every order they rest.</summary>
    private readonly HashSet<Task> placing = [];
    private ClientOrderWindow? clientOrders;

    /// <summary>The one load of the window: interleaved first calls share it, so none replaces a window another has written to.</summary>
    private Task<ClientOrderWindow>? clientOrdersLoading;
    private long loadedVersion;
    private bool exists;
    private Exception? inDoubt;

    private string Id => GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // The epoch first: a book item still carrying this account's old epoch can no longer commit, so what is read is final.
        writer = await commit.OpenWriterAsync($"account/{Id}", GrainId, cancellationToken);
        var stored = await store.LoadAsync(Id, cancellationToken);
        book = new AccountBook(Id, stored?.Totals ?? new AccountTotals(0, 0, 0, 0), stored?.State ?? new AccountState());
        loadedVersion = stored?.Totals.Version ?? 0;
        profile = AccountIds.System.Contains(Id) ? null : await GrainFactory.GetGrain<IParticipantGrain>(Id).Get();
        exists = stored is not null || profile is not null || AccountIds.System.Contains(Id);
        await EvidenceOutbox.PublishAsync(GrainFactory, book.State.PendingEvidence, [.. book.State.PendingEvidence], redelivery: true);
    }

    public async Task<AccountBalance> Deposit(long amountMicros, string reference)
    {
        var (amount, key) = Move("deposit", amountMicros, reference);
        if (await FindPriorAsync<MoveResult>(key) is { } prior)
        {
            return SameAmount(prior, amount, "deposit", reference);
        }
        writer.EnsureCanCommit(1);
        var posting = book.Deposit(amount, reference);
        var credit = new AccountDelta(Id, amount, 0, 0);
        var result = new MoveResult(amount, book.Balance() with { AvailableMicros = book.AvailableMicros + amount });
        await CommitOwnAsync(key, credit, result, [posting], Evidence("account.deposit", reference, amount), null, undo: null,
            committed: () => book.Apply(credit));
        return result.Balance;
    }

    public async Task<AccountBalance> Withdraw(long amountMicros, string reference)
    {
        var (amount, key) = Move("withdrawal", amountMicros, reference);
        if (await FindPriorAsync<MoveResult>(key) is { } prior)
        {
            return SameAmount(prior, amount, "withdrawal", reference);
        }
        RequireNotInDoubt();
        writer.EnsureCanCommit(1);
        var posting = book.Withdraw(amount, reference);
        var result = new MoveResult(amount, book.Balance());
        await CommitOwnAsync(key, new AccountDelta(Id, -amount, 0, 0), result, [posting], Evidence("account.withdrawal", reference, amount), null,
            undo: () => book.Undo(posting));
        return result.Balance;
    }

    public async Task<AccountBalance> BackVoucher(string backingKey, long amountMicros)
    {
        var (amount, key) = Move("voucher-backing", amountMicros, backingKey);
        if (await FindPriorAsync<MoveResult>(key) is { } prior)
        {
            return SameAmount(prior, amount, "voucher backing", backingKey);
        }
        RequireNotInDoubt();
        writer.EnsureCanCommit(1);
        var (delta, posting) = book.Back(backingKey, amount);
        var result = new MoveResult(amount, book.Balance() with { BackingMicros = book.BackingMicros + amount });
        await CommitOwnAsync(key, delta, result, [posting], Evidence("voucher.backed", backingKey, amount), null, undo: () => book.Undo(posting),
            committed: () => book.Apply(book.BackingCredit(amount)));
        return result.Balance;
    }

    public async Task<AccountBalance> ReleaseVoucherBacking(string backingKey, long amountMicros)
    {
        var (amount, key) = Move("voucher-release", amountMicros, backingKey);
        if (await FindPriorAsync<MoveResult>(key) is { } prior)
        {
            return SameAmount(prior, amount, "voucher release", backingKey);
        }
        writer.EnsureCanCommit(1);
        var (delta, posting) = book.Unback(backingKey, amount);
        var result = new MoveResult(amount, book.Balance() with
        {
            AvailableMicros = book.AvailableMicros + amount,
            BackingMicros = book.BackingMicros - amount,
        });
        await CommitOwnAsync(key, delta, result, [posting], Evidence("voucher.backing_released", backingKey, amount), null, undo: null,
            committed: () => book.Apply(delta));
        return result.Balance;
    }

    public async Task<AccountBalance> IssueVoucher(IssueVoucher voucher)
    {
        Inputs.Id(voucher.Id, "voucherId");
        Inputs.Amount(voucher.AmountMicros);
        Inputs.Id(voucher.Issuer, "issuer");
        Inputs.Reference(voucher.Reference);
        var categories = Inputs.DistinctIds(voucher.Categories, "categories");
        if (voucher.Expires <= time.GetUtcNow())
        {
            throw DomainException.Invalid("invalid_expires", "a voucher must expire in the future");
        }
        RequireExists();
        if (profile is null || !profile.Roles.Contains(Roles.Buyer))
        {
            // A voucher pays for usage of contracts, which only buyers hold.
            throw DomainException.Rule("not_a_buyer", $"participant {Id} is not admitted as a buyer; vouchers are issued to buyers");
        }
        var issued = new VoucherState(voucher.Id, voucher.Issuer, voucher.AmountMicros, voucher.AmountMicros, categories, voucher.Expires.ToUniversalTime());
        if (book.State.Vouchers.FirstOrDefault(v => v.Id == voucher.Id) is { } existing)
        {
            return existing.Issuer == issued.Issuer && existing.AmountMicros == issued.AmountMicros
                && existing.Categories.SequenceEqual(issued.Categories) && existing.Expires == issued.Expires
                ? book.Balance()
                : throw DomainException.Conflict("voucher_exists", $"voucher {voucher.Id} was issued with other terms");
        }
        writer.EnsureCanCommit(1);
        var next = book.WithVoucher(issued);
        var evidence = new EvidenceRecord($"voucher.issued/{Id}/{voucher.Id}", "voucher.issued", Id, new JsonObject
        {
            ["voucher"] = voucher.Id,
            ["amount"] = voucher.AmountMicros,
            ["issuer"] = voucher.Issuer,
            ["categories"] = new JsonArray([.. categories.Select(c => JsonValue.Create(c))]),
            ["expires"] = EvidenceChain.FormatTime(issued.Expires),
            ["reference"] = voucher.Reference,
        });
        var balance = book.Balance() with { Vouchers = [.. next.Vouchers.Select(v => v.ToBalance())] };
        await CommitOwnAsync($"voucher:{voucher.Id}", new AccountDelta(Id, 0, 0, 0), balance, [], evidence, next, undo: null);
        return book.Balance();
    }

    public Task<AccountBalance> GetBalance()
    {
        RequireExists();
        return Task.FromResult(book.Balance());
    }

    public async Task<IReadOnlyList<OrderPlacement>> PlaceOrders(IReadOnlyList<PlaceOrder> orders, string enteredBy)
    {
        if (orders.Count == 0 || orders.Count > options.BatchOrdersMax)
        {
            throw DomainException.Invalid("invalid_batch", $"send 1–{options.BatchOrdersMax} orders at a time");
        }
        Inputs.Id(enteredBy, "enteredBy");
        RequireExists();
        clientOrders ??= await LoadClientOrdersOnceAsync();

        // One synchronous segment: every order admitted or refused, and every buy's reserve taken, before any await.
        var now = time.GetUtcNow();
        var results = new OrderPlacement?[orders.Count];
        var admitted = new Dictionary<string, List<Admitted>>(StringComparer.Ordinal);
        var repeats = new List<(int Index, PlaceOrder Order, ClientOrderWindow.Entry First)>();
        for (var i = 0; i < orders.Count; i++)
        {
            try
            {
                var order = OrderRules.Validate(orders[i], options.Engine);
                RequireMayTrade(order, enteredBy);
                if (clientOrders.Find(order.ClientOrderId) is { } first)
                {
                    repeats.Add((i, order, first));
                    continue;
                }
                var reserve = order.Side == "buy" ? OrderRules.ReserveMicros(order) : 0;
                if (reserve > 0)
                {
                    book.Reserve(reserve, profile!.Limits.MaxOpenBuyValueMicros);
                }
                var entry = clientOrders.Begin(order.ClientOrderId, order.Product, now);
                if (!admitted.TryGetValue(order.Product, out var forBook))
                {
                    admitted[order.Product] = forBook = [];
                }
                forBook.Add(new Admitted(i, new OrderTicket(order, enteredBy, reserve, writer.Fences), entry));
            }
            catch (DomainException refused)
            {
                results[i] = OrderPlacement.Refused(refused);
            }
        }

        var placed = Task.WhenAll(admitted.Select(a => PlaceAtBookAsync(a.Key, a.Value, results)));
        placing.Add(placed);
        try
        {
            await placed;
        }
        finally
        {
            placing.Remove(placed);
        }
        foreach (var (index, order, first) in repeats)
        {
            results[index] = await RepeatAsync(order, first, enteredBy);
        }
        return results!;
    }

    public Task ApplySettlement(string cycleId, AccountDelta delta, long version, IReadOnlyList<VoucherUse> vouchers)
    {
        // Loaded after the settlement: its totals and vouchers hold it already.
        if (version <= loadedVersion || settledCycles.Contains(cycleId))
        {
            return Task.CompletedTask;
        }
        book.Apply(delta);
        settledCycles.Add(cycleId);
        if (vouchers.Count > 0)
        {
            var taken = vouchers.GroupBy(v => v.VoucherId).ToDictionary(g => g.Key, g => g.Sum(v => v.Micros), StringComparer.Ordinal);
            var next = book.State.Clone();
            next.Vouchers = [.. next.Vouchers.Select(v => taken.TryGetValue(v.Id, out var micros) ? v with { RemainingMicros = v.RemainingMicros - micros } : v)];
            book.Replace(next);
        }
        return Task.CompletedTask;
    }

    public Task Reload(string reason)
    {
        MarkInDoubt(new InvalidOperationException(reason));
        return Task.CompletedTask;
    }

    public Task ApplyCommitted(AccountDelta delta, long version)
    {
        // A change committed after this activation loaded its totals; one from before is in them already.
        if (version > loadedVersion)
        {
            book.Apply(delta);
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Holds the new profile from this turn on. When the participant stops being active, it returns only once the
    /// orders admitted before are placed (or refused): the books they rest in are then on record, for the pull.
    /// </summary>
    public async Task ParticipantChanged(ParticipantProfile changed)
    {
        if (changed.Id != Id)
        {
            throw new ArgumentException($"account {Id} was told of participant {changed.Id}");
        }
        profile = changed;
        exists = true;
        if (changed.Status != ParticipantStatus.Active && placing.Count > 0)
        {
            // Their outcome is theirs to report; here only their end matters.
            await Task.WhenAll(placing.Select(p => p.ContinueWith(static _ => { }, TaskScheduler.Default)));
        }
    }

    /// <summary>
    /// One book's share of the orders. Each placement is definite: a placed order's fills and releases are applied, a
    /// refused one's reserve goes back. A call the book refused before it changed anything (its commit log full, its
    /// mailbox full, a rule it checks first) is a definite refusal of every order in it, and their reserves go back
    /// too. If the call failed any other way, whether the book committed is not known here: the reserves stay taken
    /// (memory may be poorer than storage, never richer) and the account reloads.
    /// </summary>
    private async Task PlaceAtBookAsync(string product, List<Admitted> admitted, OrderPlacement?[] results)
    {
        IReadOnlyList<OrderPlacement> placements;
        try
        {
            placements = await GrainFactory.GetGrain<IOrderBookGrain>(product).Place([.. admitted.Select(a => a.Ticket)]);
        }
        catch (Exception error) when (RefusedBeforeAnyChange(error) is { } refused)
        {
            foreach (var a in admitted)
            {
                if (a.Ticket.ReservedMicros > 0)
                {
                    book.Unreserve(a.Ticket.ReservedMicros);
                }
                clientOrders!.Forget(a.Ticket.Order.ClientOrderId, a.Entry);
                results[a.Index] = OrderPlacement.Refused(refused);
            }
            return;
        }
        catch (Exception error)
        {
            MarkInDoubt(error);
            var refusal = DomainException.Unavailable("order_in_doubt",
                $"book {product} could not confirm the order ({error.Message}); resend it with the same clientOrderId to learn its outcome");
            foreach (var a in admitted)
            {
                // Not resendable here: the account refuses everything until it has reloaded the ids that did commit.
                clientOrders!.Forget(a.Ticket.Order.ClientOrderId, a.Entry);
                results[a.Index] = OrderPlacement.Refused(refusal);
            }
            return;
        }

        if (placements.Count != admitted.Count)
        {
            throw new InvalidOperationException($"book {product} answered {placements.Count} placements for {admitted.Count} orders");
        }
        for (var k = 0; k < admitted.Count; k++)
        {
            var (index, ticket, entry) = admitted[k];
            var placement = placements[k];
            if (placement.Order is { } placed)
            {
                book.Apply(new AccountDelta(Id, placement.ReleasedMicros, -(placement.CapturedMicros + placement.ReleasedMicros), placement.CapturedMicros));
                entry.Resolve(OrderHistory.NumberOf(product, placed.OrderId));
            }
            else
            {
                if (ticket.ReservedMicros > 0)
                {
                    book.Unreserve(ticket.ReservedMicros);
                }
                clientOrders!.Forget(ticket.Order.ClientOrderId, entry);
            }
            results[index] = placement;
        }
    }

    /// <summary>The refusal to answer when <paramref name="error"/> proves the book changed nothing; null when it may have.</summary>
    private static DomainException? RefusedBeforeAnyChange(Exception error) => error switch
    {
        DomainException domain => domain,
        CommitRefusedException or GrainMailboxFullException => DomainException.Unavailable("overloaded", $"{error.Message}; resend later"),
        _ => null,
    };

    /// <summary>A client order id seen before: the order as it stands, once the first attempt is settled; a conflict if its terms differ.</summary>
    private async Task<OrderPlacement> RepeatAsync(PlaceOrder order, ClientOrderWindow.Entry first, string enteredBy)
    {
        if (await first.Placed() is not { } number)
        {
            // The first attempt was refused or is in doubt: this one is judged afresh.
            return (await PlaceOrders([order], enteredBy))[0];
        }
        var orderId = $"{first.Product}:{number}";
        var view = await GrainFactory.GetGrain<IOrderBookGrain>(first.Product).GetOrder(orderId)
            ?? throw new InvalidOperationException($"order {orderId} of client order id {order.ClientOrderId} is not in its book");
        return SameTerms(view, order)
            ? new OrderPlacement(view, null)
            : OrderPlacement.Refused(DomainException.Conflict("client_order_id_reused", $"client order id {order.ClientOrderId} was used for order {orderId}, with other terms"));
    }

    private void RequireMayTrade(PlaceOrder order, string enteredBy)
    {
        RequireNotInDoubt();
        if (order.Participant != Id)
        {
            throw DomainException.Forbidden("forbidden", $"account {Id} places only its own participant's orders");
        }
        if (profile is null)
        {
            throw DomainException.NotFound("unknown_participant", $"no participant {Id}");
        }
        if (profile.Status != ParticipantStatus.Active)
        {
            throw DomainException.Forbidden("participant_not_active", $"participant {Id} is not active");
        }
        if (enteredBy != Id && !profile.Gateways.Contains(enteredBy))
        {
            throw DomainException.Forbidden("gateway_not_authorised", $"participant {Id} has not authorised gateway {enteredBy} to act for it");
        }
        if (order.Quantity > profile.Limits.MaxOrderQuantity)
        {
            throw DomainException.Rule("tier_limit_exceeded", $"tier {profile.Tier} allows at most {profile.Limits.MaxOrderQuantity} units per order");
        }
        if (order.Side == "buy" && !profile.Roles.Contains(Roles.Buyer))
        {
            throw DomainException.Rule("not_a_buyer", $"participant {Id} is not admitted as a buyer");
        }
    }

    private void RequireNotInDoubt()
    {
        if (inDoubt is not null)
        {
            throw DomainException.Unavailable("account_reloading",
                $"account {Id} is reloading its balances after an order whose outcome it could not confirm; retry");
        }
    }

    private void MarkInDoubt(Exception error)
    {
        if (inDoubt is null)
        {
            inDoubt = error;
            logger.LogWarning(error, "account {Account}: a book did not confirm orders; reloading from storage", Id);
        }
        DeactivateOnIdle();
    }

    private async Task<ClientOrderWindow> LoadClientOrdersOnceAsync()
    {
        var loading = clientOrdersLoading ??= LoadClientOrdersAsync();
        try
        {
            return await loading;
        }
        catch
        {
            // A failed load is tried again by the next call, not remembered.
            if (ReferenceEquals(clientOrdersLoading, loading))
            {
                clientOrdersLoading = null;
            }
            throw;
        }
    }

    private async Task<ClientOrderWindow> LoadClientOrdersAsync()
    {
        var window = new ClientOrderWindow(options.ClientOrderIdsRememberedMax, options.ClientOrderIdWindow);
        var recent = await trading.RecentClientOrdersAsync(Id, time.GetUtcNow() - options.ClientOrderIdWindow, options.ClientOrderIdsRememberedMax,
            CancellationToken.None);
        for (var i = recent.Count - 1; i >= 0; i--)
        {
            window.Known(recent[i].ClientOrderId, recent[i].Product, recent[i].Number, recent[i].At);
        }
        return window;
    }

    /// <summary>
    /// Puts an own operation on the commit log with its idempotency record and waits for it. If it does not commit,
    /// a debit taken up front is given back (<paramref name="undo"/>) and the activation reloads.
    /// </summary>
    private async Task CommitOwnAsync<TResult>(string key, AccountDelta delta, TResult result, IReadOnlyList<Posting> postings, EvidenceRecord? evidence,
        AccountState? next, Action? undo, Action? committed = null)
    {
        var state = (next ?? book.State).Clone();
        if (evidence is not null)
        {
            state.PendingEvidence.Add(evidence);
        }
        var resultJson = JsonSerializer.Serialize(result, Json);
        var item = new AccountCommit(Id, delta, new AccountOperation(key, resultJson), postings,
            next is null && evidence is null ? null : JsonSerializer.Serialize(state, Json));
        try
        {
            await writer.CommitAsync(item);
        }
        catch
        {
            undo?.Invoke();
            DeactivateOnIdle();
            throw;
        }
        book.Replace(state);
        // Credits that count once durable, applied before anything that may still throw (the evidence's publishing).
        committed?.Invoke();
        Remember(key, resultJson);
        if (evidence is not null)
        {
            await EvidenceOutbox.PublishAsync(GrainFactory, book.State.PendingEvidence, [evidence]);
        }
    }

    private (long Amount, string Key) Move(string kind, long amountMicros, string reference)
    {
        Inputs.Amount(amountMicros);
        Inputs.Reference(reference);
        RequireExists();
        return (amountMicros, $"{kind}:{reference}");
    }

    private static AccountBalance SameAmount(MoveResult prior, long amountMicros, string kind, string reference) =>
        prior.AmountMicros == amountMicros
            ? prior.Balance
            : throw DomainException.Conflict("reference_reused", $"reference {reference} was used for a {kind} of {prior.AmountMicros} µ¥");

    private EvidenceRecord Evidence(string kind, string reference, long amountMicros) =>
        new($"{kind}/{Id}/{reference}", kind, Id, new JsonObject { ["amount"] = amountMicros, ["reference"] = reference });

    private void RequireExists()
    {
        if (!exists)
        {
            throw DomainException.NotFound("unknown_account", $"no account {Id}");
        }
    }

    private async Task<T?> FindPriorAsync<T>(string key) where T : class
    {
        var json = recentOperations.GetValueOrDefault(key) ?? await store.FindOperationAsync(Id, key, CancellationToken.None);
        return json is null ? null : JsonSerializer.Deserialize<T>(json, Json);
    }

    private void Remember(string key, string json)
    {
        if (recentOperations.Count >= RememberedOperationsMax)
        {
            recentOperations.Clear();
        }
        recentOperations[key] = json;
    }

    private static bool SameTerms(OrderView stored, PlaceOrder order) =>
        stored.Product == order.Product && stored.Side == order.Side && stored.Type == order.Type && stored.TimeInForce == order.TimeInForce
        && stored.PriceMicros == order.PriceMicros && stored.Quantity == order.Quantity && stored.MaxCostMicros == order.MaxCostMicros
        && (order.Side != "buy" || (stored.Scenario == order.Scenario && stored.ValidityDays == order.ValidityDays));

    private sealed record MoveResult(long AmountMicros, AccountBalance Balance);

    private sealed record Admitted(int Index, OrderTicket Ticket, ClientOrderWindow.Entry Entry);
}
