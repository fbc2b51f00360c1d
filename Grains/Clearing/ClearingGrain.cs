using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ClearingCluster.Grains.Accounts;
using ClearingCluster.Grains.Metering;
using ClearingCluster.Grains.Trading;
using ClearingCluster.Grains.Trading.Journal;
using ClearingCluster.Grains.Validation;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Accounts;
using ClearingCluster.Interfaces.Clearing;
using ClearingCluster.Interfaces.Ledger;
using ClearingCluster.Interfaces.Metering;
using ClearingCluster.Interfaces.Participants;
using ClearingCluster.Interfaces.Products;
using ClearingCluster.Runtime;
using ClearingCluster.Runtime.Durability;
using ClearingCluster.Runtime.Reminders;
using Microsoft.Extensions.Logging;

namespace ClearingCluster.Grains.Clearing;

/// <summary>
/// The clearing coordinator, the only writer of cycles (its commit-log epoch fences a second activation out of
/// settling). Each step is one transaction, so a crash anywhere leaves a cycle where it was or where the step took
/// it, and running the step again finishes the work:
/// <list type="bullet">
/// <item><b>cut-off</b>: the open cycle is marked <c>cutting_off</c> at one instant and the next opened; every meter
/// shard switches to the next and waits for what it counted in the closing one to be durable; then <c>cut_off</c>.</item>
/// <item><b>compute</b>: contract terms caught up from the books' journals, the cycle's usage read, the pure
/// <see cref="ClearingCompute"/> run, its lines and aggregated postings staged with the report: <c>computed</c>.</item>
/// <item><b>settle</b>: the staged postings and every account's delta committed at once, fenced: <c>settled</c>;
/// then live accounts are told, and the settlement goes onto the evidence ledger.</item>
/// </list>
/// </summary>
public sealed class ClearingGrain(
    IClearingStore store,
    ITradingStore trading,
    Contracts.ContractDirectory contracts,
    GroupCommit commit,
    CycleOptions options,
    MeterOptions meters,
    IUsageArchive archive,
    TimeProvider time,
    ILogger<ClearingGrain> logger) : Grain, IClearingGrain, IRemindable
{
    public const string WriterName = "clearing";

    private CommitWriter writer = null!;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        writer = await commit.OpenWriterAsync(WriterName, GrainId, cancellationToken);
        // A settlement whose ledger entry a crash left out is put on the ledger now (settling it again does the same).
        try
        {
            foreach (var cycle in await store.ListAsync(null, 20, cancellationToken))
            {
                if (cycle.Status == CycleStatus.Settled && cycle.LedgerSeq is null)
                {
                    await EvidenceAsync(cycle);
                }
            }
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            logger.LogWarning(error, "a settled cycle's ledger entry could not be written now; settling the cycle again writes it");
        }
    }

    public async Task EnsureSchedule()
    {
        if (options.CutOffEvery <= TimeSpan.Zero)
        {
            await UnregisterReminder(CycleOptions.ReminderName);
            return;
        }
        var now = time.GetUtcNow();
        await RegisterOrUpdateReminder(CycleOptions.ReminderName, options.NextCutOff(now) - now, options.CutOffEvery);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == CycleOptions.ReminderName)
        {
            // A tick fired again (a silo that took the clearing grain's partition fires its reminders once) whose cut-off
            // was made already: the cycle was cut at or after the tick's time.
            if ((await store.OpenCycleAsync(CancellationToken.None)).LastCutAt >= status.CurrentTickTime)
            {
                logger.LogInformation("scheduled cut-off due {Due:o} made already", status.CurrentTickTime);
                return;
            }
            logger.LogInformation("scheduled cut-off (due {Due:o})", status.CurrentTickTime);
            await CutOff("schedule");
        }
    }

    public async Task<CycleView> CutOff(string requestedBy)
    {
        Inputs.Id(requestedBy, "requestedBy");
        var started = Stopwatch.GetTimestamp();
        // A cut-off a crash interrupted is finished first; it is the one staff asked for.
        var recent = await store.ListAsync(null, 2, CancellationToken.None);
        var closing = recent.FirstOrDefault(c => c.Status == CycleStatus.CuttingOff)
            ?? await store.BeginCutOffAsync((await store.OpenCycleAsync(CancellationToken.None)).Id, time.GetUtcNow(), CancellationToken.None);
        var next = CycleId(closing.Number + 1);
        var cutAt = closing.CutAt ?? throw new InvalidOperationException($"cycle {closing.Id} is cutting off without a cut time");
        await Task.WhenAll(Enumerable.Range(0, meters.ShardCount).Select(shard =>
            GrainFactory.GetGrain<IMeterGrain>(shard.ToString(CultureInfo.InvariantCulture)).CutOff(closing.Id, next, cutAt)));
        var steps = closing.Steps.Append(Step("cut_off", started, $"{meters.ShardCount} meter shards switched to {next}; by {requestedBy}")).ToList();
        await store.SetStatusAsync(closing.Id, CycleStatus.CutOff, steps, null, CancellationToken.None);
        logger.LogInformation("cycle {Cycle} cut off at {CutAt:o}; {Next} open", closing.Id, cutAt, next);
        return await FindAsync(closing.Id);
    }

    public async Task<CycleView> Compute(string cycleId)
    {
        var cycle = await FindAsync(cycleId);
        if (cycle.Status is not (CycleStatus.CutOff or CycleStatus.Computed or CycleStatus.Failed) || cycle.CutAt is not { } cut)
        {
            throw DomainException.Conflict("cycle_not_cut_off", $"cycle {cycleId} is {CycleStatuses.Wire(cycle.Status)}; only a cycle cut off (or computed, or failed) is computed");
        }
        var previous = cycle.Number > 1 ? await FindAsync(CycleId(cycle.Number - 1)) : null;
        if (previous is not null && previous.Status != CycleStatus.Settled)
        {
            throw DomainException.Conflict("previous_cycle_not_settled",
                $"cycle {previous.Id} is {CycleStatuses.Wire(previous.Status)}; cycles settle in order, so {cycleId} waits for it");
        }
        var steps = cycle.Steps.Where(s => s.Name is "cut_off").ToList();
        try
        {
            var started = Stopwatch.GetTimestamp();
            var caughtUp = await CatchUpTermsAsync();
            steps.Add(Step("terms", started, $"{caughtUp} contracts' terms caught up from the books' journals"));

            started = Stopwatch.GetTimestamp();
            // Every product that ever traded has a book; their categories and schedules are what the contracts need.
            var products = await ProductsAsync(await trading.BooksAsync(CancellationToken.None));
            var data = await store.InputsAsync(cycleId, previous?.CutAt, cut, products.Values.ToDictionary(p => p.Id, p => p.Category), CancellationToken.None);
            steps.Add(Step("read", started, $"{data.Contracts.Count} contracts, {data.Vouchers.Count} vouchers, {data.Adjustments.Count} adjustments"));

            started = Stopwatch.GetTimestamp();
            var input = new CycleInput(cycleId, cut, data.Contracts, data.Vouchers, new Dictionary<string, int>(), (int)TradingBook.ExchangeFeeBasisPoints,
                products.Values.ToDictionary(p => p.Id, SharesOf), data.Adjustments);
            var computation = ClearingCompute.Compute(input, contractPostings: false);
            var plan = computation.Plan;
            var report = Report(computation, plan, data.Adjustments.Sum(a => a.AmountMicros));
            steps.Add(Step("compute", started, $"{computation.Contracts.Count} contracts settled in {plan.Postings.Count} postings"));

            started = Stopwatch.GetTimestamp();
            var staging = steps.Append(Step("stage", started)).ToList();
            await store.StageAsync(cycleId, new StagedCycle(computation, data.Vouchers, plan, report, staging), CancellationToken.None);
            steps.Add(Step("stage", started, $"{computation.Contracts.Count} settlement lines written"));
            await store.SetStatusAsync(cycleId, CycleStatus.Computed, steps, null, CancellationToken.None);
            return await FindAsync(cycleId);
        }
        catch (CycleStateException moved)
        {
            throw DomainException.Conflict("invalid_transition", $"{moved.Message}; another run moved it on");
        }
        catch (Exception error)
        {
            await FailAsync(cycleId, steps, "compute", error);
            throw;
        }
    }

    public async Task<CycleView> Settle(string cycleId)
    {
        var cycle = await FindAsync(cycleId);
        if (cycle.Status == CycleStatus.Settled)
        {
            // Repeating a settlement changes nothing; only a ledger entry a crash left out is written.
            return cycle.LedgerSeq is null ? await EvidenceAsync(cycle) : cycle;
        }
        var participants = cycle.Report?.Nets.Select(n => n.Participant).ToList() ?? [];
        if (cycle.Status != CycleStatus.Computed || cycle.Report is null)
        {
            throw DomainException.Conflict("cycle_not_computed", $"cycle {cycleId} is {CycleStatuses.Wire(cycle.Status)}; only a computed cycle is settled");
        }
        var steps = cycle.Steps.ToList();
        var started = Stopwatch.GetTimestamp();
        IReadOnlyList<AccountDelta> deltas;
        IReadOnlyDictionary<string, long> versions;
        string detail;
        try
        {
            var postings = await store.StagedPostingsAsync(cycleId, CancellationToken.None);
            deltas = SettlementPlan.DeltasOf(cycleId, postings);
            if (CycleHashes.Postings(postings) != cycle.Report.PostingsHash)
            {
                throw new InvalidOperationException($"cycle {cycleId}: the staged postings do not match the report's hash");
            }
            detail = $"{postings.Count} postings, {deltas.Count} accounts";
            versions = await store.SettleAsync(cycleId, writer.Fences, deltas, [.. steps, Step("settle", started, detail)], CancellationToken.None);
        }
        catch (CycleStateException)
        {
            // Another run moved the cycle on meanwhile: report it as it stands.
            return await FindAsync(cycleId);
        }
        catch (Exception error)
        {
            // The commit's answer may be what was lost: storage says whether it happened.
            if (await FindAsync(cycleId) is { Status: CycleStatus.Settled } settled)
            {
                logger.LogWarning(error, "cycle {Cycle}: settled, but its answer was lost; live accounts reload to see it", cycleId);
                await ReloadLiveAsync(participants.Concat(await StagedAccountsAsync(cycleId)), $"cycle {cycleId} settled while this account was not told");
                return settled.LedgerSeq is null ? await EvidenceAsync(settled) : settled;
            }
            logger.LogError(error, "cycle {Cycle}: settlement failed; nothing was posted, settle again", cycleId);
            throw DomainException.Unavailable("settlement_failed", $"cycle {cycleId} could not be settled ({error.Message}); nothing was posted: settle again");
        }
        // The step as it happened, its commit included.
        var settleStep = Step("settle", started, detail);
        logger.LogInformation("cycle {Cycle} settled in {Ms} ms: {Detail}", cycleId, settleStep.DurationMs, detail);

        var uses = (await store.StagedVoucherUseAsync(cycleId, CancellationToken.None)).ToLookup(u => u.Holder, StringComparer.Ordinal);
        // Only live accounts are told: one activated now would load the settled totals anyway. One that activates
        // between this check and its load reads storage, which holds the settlement.
        await Task.WhenAll(deltas.Where(d => GrainFactory.IsActive<IAccountGrain>(d.AccountId)).Select(async d =>
        {
            try
            {
                await GrainFactory.GetGrain<IAccountGrain>(d.AccountId).ApplySettlement(cycleId, d, versions[d.AccountId],
                    [.. uses[d.AccountId].Select(u => new VoucherUse(u.VoucherId, u.Micros))]);
            }
            catch (Exception error)
            {
                // Storage holds the settlement; an account that missed it must not spend from what it holds in memory.
                logger.LogWarning(error, "cycle {Cycle}: account {Account} was not told of its settlement; it reloads", cycleId, d.AccountId);
                await ReloadLiveAsync([d.AccountId], $"cycle {cycleId} settled while this account was not told");
            }
        }));
        return await EvidenceAsync(await FindAsync(cycleId), [.. steps, settleStep]);
    }

    public async Task<CycleView> ArchiveUsage(string cycleId)
    {
        var cycle = await FindAsync(cycleId);
        if (cycle.Status != CycleStatus.Settled)
        {
            throw DomainException.Conflict("cycle_not_settled", $"cycle {cycleId} is {CycleStatuses.Wire(cycle.Status)}; only a settled cycle's usage is archived");
        }
        // Its calls are dated at most FutureSkew after the cut; until the deduplication window has passed them, a shard
        // reading a contract's window needs them, and a call re-sent would otherwise be billed again.
        if (meters.CallIdWindow > TimeSpan.Zero && cycle.CutAt is { } cut && cut + meters.FutureSkew + meters.CallIdWindow is var needed && time.GetUtcNow() < needed)
        {
            throw DomainException.Conflict("cycle_in_call_window",
                $"cycle {cycleId}'s calls are still inside the call-id deduplication window; its usage can be archived from {needed:u}");
        }
        var written = await archive.ArchiveAsync(cycleId, CancellationToken.None);
        logger.LogInformation("cycle {Cycle}: {Records} usage records in {Rows} rows archived to {File} ({Bytes} bytes)", cycleId, written.Records, written.Rows,
            written.File, written.Bytes);
        return await FindAsync(cycleId);
    }

    public async Task<AdjustmentView> Adjust(string againstCycle, RecordAdjustment adjustment, string recordedBy)
    {
        var id = Inputs.Id(adjustment.Id, "id");
        var from = Inputs.Id(adjustment.From, "from");
        var to = Inputs.Id(adjustment.To, "to");
        Inputs.Amount(adjustment.AmountMicros);
        var reason = Inputs.Text(adjustment.Reason, "reason", Inputs.ReferenceLengthMax);
        var contract = adjustment.Contract is null ? null : Inputs.Text(adjustment.Contract, "contract", Inputs.ReferenceLengthMax);
        if (from == to)
        {
            throw DomainException.Invalid("invalid_to", "an adjustment moves money between two different accounts");
        }
        if (recordedBy == from || recordedBy == to)
        {
            // Staff correct others' settlements; a correction in one's own favour needs someone else to record it.
            throw DomainException.Forbidden("forbidden", $"{recordedBy} may not record an adjustment that moves its own money");
        }
        var cycle = await FindAsync(againstCycle);
        if (cycle.Status != CycleStatus.Settled)
        {
            throw DomainException.Conflict("cycle_not_settled", $"cycle {againstCycle} is {CycleStatuses.Wire(cycle.Status)}; adjustments correct settled cycles");
        }
        if (contract is not null)
        {
            var terms = (await contracts.FindAsync(contract))?.Terms ?? throw DomainException.NotFound("unknown_contract", $"no contract {contract}");
            if (new[] { from, to }.Any(party => party != terms.Buyer && party != terms.Provider && !AccountIds.System.Contains(party)))
            {
                throw DomainException.Invalid("invalid_contract", $"contract {contract} is between {terms.Buyer} and {terms.Provider}; the adjustment moves money between {from} and {to}");
            }
        }
        foreach (var account in new[] { from, to })
        {
            if (!AccountIds.System.Contains(account) && await GrainFactory.GetGrain<IParticipantGrain>(account).Get() is null)
            {
                throw DomainException.NotFound("unknown_account", $"no account {account}");
            }
        }
        var open = await store.OpenCycleAsync(CancellationToken.None);
        var view = new AdjustmentView(id, againstCycle, open.Id, from, to, adjustment.AmountMicros, reason, contract, recordedBy, time.GetUtcNow());
        var stored = await store.AddAdjustmentAsync(view, CancellationToken.None);
        // A repeat by another member of staff is the same adjustment: who recorded it first stands.
        if (stored with { At = view.At, PostedIn = view.PostedIn, RecordedBy = view.RecordedBy } != view)
        {
            throw DomainException.Conflict("adjustment_exists", $"adjustment {id} was recorded with other terms");
        }
        await GrainFactory.GetGrain<ILedgerGrain>(ILedgerGrain.Key).Redeliver(AdjustmentEvidence(stored));
        return stored;
    }

    /// <summary>An adjustment's ledger entry; the same record every time, so a redelivery finds the entry written.</summary>
    private static EvidenceRecord AdjustmentEvidence(AdjustmentView a) => new($"clearing.adjustment/{a.Id}", "clearing.adjustment", a.AgainstCycle,
        new JsonObject
        {
            ["adjustment"] = a.Id,
            ["againstCycle"] = a.AgainstCycle,
            ["postedIn"] = a.PostedIn,
            ["from"] = a.From,
            ["to"] = a.To,
            ["amount"] = a.AmountMicros,
            ["reason"] = a.Reason,
            ["contract"] = a.Contract,
            ["recordedBy"] = a.RecordedBy,
        });

    /// <summary>The accounts a computed cycle moves money on.</summary>
    private async Task<IEnumerable<string>> StagedAccountsAsync(string cycleId) =>
        SettlementPlan.DeltasOf(cycleId, await store.StagedPostingsAsync(cycleId, CancellationToken.None)).Select(d => d.AccountId);

    /// <summary>Makes the live ones of <paramref name="accounts"/> reload: storage moved their money without them.</summary>
    private async Task ReloadLiveAsync(IEnumerable<string> accounts, string reason)
    {
        foreach (var account in accounts.Distinct(StringComparer.Ordinal).Where(a => GrainFactory.IsActive<IAccountGrain>(a)))
        {
            try
            {
                await GrainFactory.GetGrain<IAccountGrain>(account).Reload(reason);
            }
            catch (Exception error)
            {
                logger.LogError(error, "account {Account} could not be made to reload: {Reason}", account, reason);
            }
        }
    }

    public static string CycleId(long number) => "c" + number.ToString(CultureInfo.InvariantCulture);

    private async Task<CycleView> FindAsync(string cycleId) =>
        await store.FindAsync(Inputs.Id(cycleId, "cycleId"), CancellationToken.None)
        ?? throw DomainException.NotFound("unknown_cycle", $"no clearing cycle {cycleId}");

    /// <summary>Terms of contracts made since the last catch-up, read from each book's journal rows that hold them.</summary>
    private async Task<long> CatchUpTermsAsync()
    {
        var watermarks = await store.TermsWatermarksAsync(CancellationToken.None);
        long added = 0;
        foreach (var product in await trading.BooksAsync(CancellationToken.None))
        {
            var from = watermarks.GetValueOrDefault(product);
            var last = await trading.LastContractAsync(product, CancellationToken.None);
            if (last <= from)
            {
                continue;
            }
            var rows = await trading.RowsWithContractsAsync(product, from + 1, last, CancellationToken.None);
            var terms = OrderHistory.Contracts(product, rows.SelectMany(r => BookJournal.Decode(r.Events))).Where(t => t.Number > from && t.Number <= last).ToList();
            if (terms.Count != last - from)
            {
                throw new InvalidOperationException($"book {product}: contracts {from + 1}–{last} expected, {terms.Count} found in its journal");
            }
            await store.AddTermsAsync(terms, new Dictionary<string, long> { [product] = last }, CancellationToken.None);
            added += terms.Count;
        }
        return added;
    }

    private async Task<Dictionary<string, ProductView>> ProductsAsync(IEnumerable<string> products)
    {
        var views = new Dictionary<string, ProductView>(StringComparer.Ordinal);
        foreach (var id in products.Distinct(StringComparer.Ordinal))
        {
            // A book asked about a product that does not exist has no contracts: it is left out.
            if (await GrainFactory.GetGrain<IProductGrain>(id).Get() is { } product)
            {
                views[id] = product;
            }
        }
        return views;
    }

    /// <summary>A product's schedule as clearing carves it: one share per intermediary, whatever roles it holds.</summary>
    private static IReadOnlyList<RevenueShare> SharesOf(ProductView product) =>
        [.. product.RevenueShares.GroupBy(s => s.Intermediary, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new RevenueShare(g.Key, g.Sum(s => s.BasisPoints)))];

    private static CycleReport Report(CycleComputation c, SettlementPlan plan, long adjustmentMicros) =>
        new(
            c.Contracts.Count,
            c.Contracts.Sum(x => x.UsedUnits),
            c.Contracts.Sum(x => x.GrossMicros),
            c.Contracts.Sum(x => x.VoucherMicros),
            c.Contracts.Sum(x => x.BuyerMicros),
            c.Contracts.Sum(x => x.FeeMicros),
            c.Contracts.Sum(x => x.SharesMicros),
            c.Contracts.Sum(x => x.ProviderMicros),
            c.Contracts.Sum(x => x.EscrowReleasedMicros),
            c.VoucherExpired.Values.Sum(),
            adjustmentMicros,
            plan.Postings.Count,
            [.. c.Nets.Select(n => new CycleNet(n.Participant, n.PaysMicros, n.ReceivesMicros, n.NetMicros))],
            c.NettingRatioBasisPoints,
            CycleHashes.Usage(c.Contracts),
            CycleHashes.Postings(plan.Postings));

    /// <summary>Puts the settlement on the ledger (again, harmlessly, if it is there) and records its entry, and the steps when given.</summary>
    private async Task<CycleView> EvidenceAsync(CycleView cycle, IReadOnlyList<CycleStep>? steps = null)
    {
        var report = cycle.Report!;
        // The adjustments it posted are on the ledger before it is: one whose own entry was lost gets it now.
        foreach (var adjustment in (await store.AdjustmentsAsync(cycle.Id, CancellationToken.None)).Where(a => a.PostedIn == cycle.Id))
        {
            await GrainFactory.GetGrain<ILedgerGrain>(ILedgerGrain.Key).Redeliver(AdjustmentEvidence(adjustment));
        }
        var entry = await GrainFactory.GetGrain<ILedgerGrain>(ILedgerGrain.Key).Redeliver(new EvidenceRecord($"clearing.settled/{cycle.Id}", "clearing.settled", cycle.Id,
            new JsonObject
            {
                ["cycle"] = cycle.Id,
                ["cutAt"] = Ledger.EvidenceChain.FormatTime(cycle.CutAt!.Value),
                ["contracts"] = report.Contracts,
                ["usedUnits"] = report.UsedUnits,
                ["gross"] = report.GrossMicros,
                ["fees"] = report.FeeMicros,
                ["shares"] = report.SharesMicros,
                ["voucherPaid"] = report.VoucherMicros,
                ["escrowReleased"] = report.EscrowReleasedMicros,
                ["adjustments"] = report.AdjustmentMicros,
                ["nettingRatioBasisPoints"] = report.NettingRatioBasisPoints,
                ["usageHash"] = report.UsageHash,
                ["postingsHash"] = report.PostingsHash,
            }));
        await store.SetLedgerSeqAsync(cycle.Id, entry.Seq, steps, CancellationToken.None);
        return cycle with { LedgerSeq = entry.Seq, Steps = steps ?? cycle.Steps };
    }

    private async Task FailAsync(string cycleId, List<CycleStep> steps, string step, Exception error)
    {
        logger.LogError(error, "cycle {Cycle}: {Step} failed", cycleId, step);
        try
        {
            await store.SetStatusAsync(cycleId, CycleStatus.Failed, steps, $"{step}: {error.Message}", CancellationToken.None);
        }
        catch (Exception recording)
        {
            logger.LogError(recording, "cycle {Cycle}: its failure could not be recorded", cycleId);
        }
    }

    private CycleStep Step(string name, long startedTimestamp, string? detail = null) =>
        new(name, time.GetUtcNow(), (long)Stopwatch.GetElapsedTime(startedTimestamp).TotalMilliseconds, detail);
}
