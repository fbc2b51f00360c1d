using System.Text.Json;
using System.Text.Json.Nodes;
using ClearingCluster.Grains.Ledger;
using ClearingCluster.Grains.Validation;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Accounts;
using ClearingCluster.Interfaces.Ledger;
using ClearingCluster.Interfaces.Participants;
using ClearingCluster.Runtime;

namespace ClearingCluster.Grains.Accounts;

/// <summary>
/// A participant's (or a system) account. Each operation runs on a copy of the book; the new state, its postings
/// and the operation's result are committed in one transaction; only then does the copy replace the book and
/// the call return. A repeat of an operation (same reference, same hold id) returns the stored result.
/// </summary>
public sealed class AccountGrain(IAccountStore store, TimeProvider time) : Grain, IAccountGrain
{
    private const int RememberedOperationsMax = 10_000;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Dictionary<string, string> recentOperations = new(StringComparer.Ordinal);
    private AccountBook book = null!;
    private long version;
    private bool exists;

    private string Id => GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var (stored, storedVersion) = await store.LoadAsync(Id, cancellationToken);
        book = new AccountBook(Id, stored ?? new AccountState());
        version = storedVersion;
        exists = stored is not null || AccountIds.System.Contains(Id);
        await EvidenceOutbox.PublishAsync(GrainFactory, book.State.PendingEvidence, [.. book.State.PendingEvidence], redelivery: true);
    }

    public async Task<AccountBalance> Deposit(long amountMicros, string reference) =>
        await MoveAsync("deposit", amountMicros, reference, (next, amount, r) => next.Deposit(amount, r));

    public async Task<AccountBalance> Withdraw(long amountMicros, string reference) =>
        await MoveAsync("withdrawal", amountMicros, reference, (next, amount, r) => next.Withdraw(amount, r));

    public async Task<HoldResult> Reserve(string holdId, long amountMicros, long heldLimitMicros)
    {
        Inputs.Text(holdId, "holdId", Inputs.ReferenceLengthMax);
        Inputs.Amount(amountMicros);
        await RequireExistsAsync();
        if (book.State.Holds.TryGetValue(holdId, out var held))
        {
            return held == amountMicros
                ? new HoldResult(holdId, HoldStatus.Open, held, 0, 0, book.Balance())
                : throw DomainException.Conflict("hold_conflict", $"hold {holdId} is open for {held} µ¥, not {amountMicros} µ¥");
        }
        if (await FindPriorAsync<HoldResult>(HoldKey(holdId)) is { } closed)
        {
            return closed;
        }
        return await CommitAsync($"reserve:{holdId}", next => (next.Reserve(holdId, amountMicros, heldLimitMicros), null),
            next => new HoldResult(holdId, HoldStatus.Open, amountMicros, 0, 0, next.Balance()));
    }

    public async Task<HoldResult> Capture(string holdId, string captureId, long amountMicros, string escrowId)
    {
        Inputs.Text(holdId, "holdId", Inputs.ReferenceLengthMax);
        Inputs.Text(captureId, "captureId", Inputs.ReferenceLengthMax);
        Inputs.Text(escrowId, "escrowId", Inputs.ReferenceLengthMax);
        await RequireExistsAsync();
        var key = $"capture:{captureId}";
        if (await FindPriorAsync<HoldResult>(key) is { } prior)
        {
            return prior.PostedMicros == amountMicros
                ? prior
                : throw DomainException.Conflict("capture_conflict", $"capture {captureId} took {prior.PostedMicros} µ¥, not {amountMicros} µ¥");
        }
        if (!book.State.Holds.ContainsKey(holdId))
        {
            throw DomainException.NotFound("unknown_hold", $"account {Id} has no open hold {holdId}");
        }
        return await CommitAsync(key, next => (next.Capture(holdId, captureId, amountMicros, escrowId), null),
            next => new HoldResult(holdId, HoldStatus.Open, next.State.Holds[holdId], amountMicros, 0, next.Balance()));
    }

    public async Task<HoldResult> Release(string holdId, string releaseId, long amountMicros)
    {
        Inputs.Text(holdId, "holdId", Inputs.ReferenceLengthMax);
        Inputs.Text(releaseId, "releaseId", Inputs.ReferenceLengthMax);
        await RequireExistsAsync();
        var key = $"release:{releaseId}";
        if (await FindPriorAsync<HoldResult>(key) is { } prior)
        {
            return prior;
        }
        if (!book.State.Holds.ContainsKey(holdId))
        {
            throw DomainException.NotFound("unknown_hold", $"account {Id} has no open hold {holdId}");
        }
        return await CommitAsync(key, next => (next.Release(holdId, releaseId, amountMicros), null),
            next => new HoldResult(holdId, HoldStatus.Open, next.State.Holds[holdId], 0, amountMicros, next.Balance()));
    }

    public async Task<HoldResult> Post(string holdId, long amountMicros, string escrowId)
    {
        Inputs.Text(holdId, "holdId", Inputs.ReferenceLengthMax);
        Inputs.Text(escrowId, "escrowId", Inputs.ReferenceLengthMax);
        await RequireExistsAsync();
        if (!book.State.Holds.ContainsKey(holdId))
        {
            var prior = await FindPriorAsync<HoldResult>(HoldKey(holdId))
                ?? throw DomainException.NotFound("unknown_hold", $"account {Id} has no hold {holdId}");
            return prior.Status == HoldStatus.Posted && prior.PostedMicros == amountMicros
                ? prior
                : throw DomainException.Conflict("hold_closed", $"hold {holdId} is already {prior.Status.ToString().ToLowerInvariant()}");
        }
        long heldMicros = 0, releasedMicros = 0;
        return await CommitAsync(HoldKey(holdId), next =>
            {
                var (postings, held, released) = next.Post(holdId, amountMicros, escrowId);
                (heldMicros, releasedMicros) = (held, released);
                return (postings, null);
            },
            next => new HoldResult(holdId, HoldStatus.Posted, heldMicros, amountMicros, releasedMicros, next.Balance()));
    }

    public async Task<HoldResult> Void(string holdId)
    {
        Inputs.Text(holdId, "holdId", Inputs.ReferenceLengthMax);
        await RequireExistsAsync();
        if (!book.State.Holds.ContainsKey(holdId))
        {
            var prior = await FindPriorAsync<HoldResult>(HoldKey(holdId))
                ?? throw DomainException.NotFound("unknown_hold", $"account {Id} has no hold {holdId}");
            return prior.Status == HoldStatus.Voided
                ? prior
                : throw DomainException.Conflict("hold_closed", $"hold {holdId} is already {prior.Status.ToString().ToLowerInvariant()}");
        }
        long heldMicros = 0;
        return await CommitAsync(HoldKey(holdId), next =>
            {
                var (postings, held) = next.Void(holdId);
                heldMicros = held;
                return (postings, null);
            },
            next => new HoldResult(holdId, HoldStatus.Voided, heldMicros, 0, heldMicros, next.Balance()));
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
        await RequireExistsAsync();
        var issued = new VoucherState(voucher.Id, voucher.Issuer, voucher.AmountMicros, voucher.AmountMicros, categories, voucher.Expires.ToUniversalTime());
        if (book.State.Vouchers.FirstOrDefault(v => v.Id == voucher.Id) is { } existing)
        {
            return existing.Issuer == issued.Issuer && existing.AmountMicros == issued.AmountMicros
                && existing.Categories.SequenceEqual(issued.Categories) && existing.Expires == issued.Expires
                ? book.Balance()
                : throw DomainException.Conflict("voucher_exists", $"voucher {voucher.Id} was issued with other terms");
        }
        return await CommitAsync($"voucher:{voucher.Id}", next =>
            {
                next.AddVoucher(issued);
                return ([], Evidence("voucher.issued", voucher.Id, new JsonObject
                {
                    ["voucher"] = voucher.Id,
                    ["amount"] = voucher.AmountMicros,
                    ["issuer"] = voucher.Issuer,
                    ["categories"] = new JsonArray([.. categories.Select(c => JsonValue.Create(c))]),
                    ["expires"] = EvidenceChain.FormatTime(issued.Expires),
                    ["reference"] = voucher.Reference,
                }));
            },
            next => next.Balance());
    }

    public async Task<AccountBalance> GetBalance()
    {
        await RequireExistsAsync();
        return book.Balance();
    }

    private async Task<AccountBalance> MoveAsync(string kind, long amountMicros, string reference, Func<AccountBook, long, string, IReadOnlyList<Posting>> move)
    {
        Inputs.Amount(amountMicros);
        Inputs.Reference(reference);
        await RequireExistsAsync();
        var key = $"{kind}:{reference}";
        if (await FindPriorAsync<MoveResult>(key) is { } prior)
        {
            return prior.AmountMicros == amountMicros
                ? prior.Balance
                : throw DomainException.Conflict("reference_reused", $"reference {reference} was used for a {kind} of {prior.AmountMicros} µ¥");
        }
        var result = await CommitAsync(key,
            next => (move(next, amountMicros, reference), Evidence($"account.{kind}", reference, new JsonObject
            {
                ["amount"] = amountMicros,
                ["reference"] = reference,
            })),
            next => new MoveResult(amountMicros, next.Balance()));
        return result.Balance;
    }

    private async Task<TResult> CommitAsync<TResult>(string operationKey, Func<AccountBook, (IReadOnlyList<Posting> Postings, EvidenceRecord? Evidence)> change,
        Func<AccountBook, TResult> result)
        where TResult : class
    {
        var next = book.Clone();
        var (postings, evidence) = change(next);
        if (evidence is not null)
        {
            next.State.PendingEvidence.Add(evidence);
        }
        var outcome = result(next);
        var outcomeJson = JsonSerializer.Serialize(outcome, Json);
        try
        {
            version = await store.CommitAsync(Id, version, next.State, postings, new AccountOperation(operationKey, outcomeJson), CancellationToken.None);
        }
        catch (DuplicateOperationException)
        {
            // Another activation (or a lost acknowledgement) recorded it first: this one's memory is stale.
            DeactivateOnIdle();
            return await FindPriorAsync<TResult>(operationKey) ?? throw new InvalidOperationException($"operation {operationKey} vanished");
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }

        book = next;
        exists = true;
        Remember(operationKey, outcomeJson);
        if (evidence is not null)
        {
            await EvidenceOutbox.PublishAsync(GrainFactory, book.State.PendingEvidence, [evidence]);
        }
        return outcome;
    }

    private EvidenceRecord Evidence(string kind, string key, JsonObject payload) =>
        new($"{kind}/{Id}/{key}", kind, Id, payload);

    private async Task RequireExistsAsync()
    {
        if (!exists && await GrainFactory.GetGrain<IParticipantGrain>(Id).Get() is null)
        {
            throw DomainException.NotFound("unknown_account", $"no account {Id}");
        }
        exists = true;
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

    private static string HoldKey(string holdId) => $"hold:{holdId}";

    private sealed record MoveResult(long AmountMicros, AccountBalance Balance);
}
