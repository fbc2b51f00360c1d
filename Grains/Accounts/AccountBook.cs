using ClearingCluster.Grains.Validation;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Accounts;

namespace ClearingCluster.Grains.Accounts;

/// <summary>
/// An account's balances and the rules that move them, with no I/O. Each operation checks everything first
/// and only then changes the state, so a refused operation changes nothing; it returns the balanced postings
/// that describe the change. Invariants: available ≥ 0, every hold &gt; 0, every escrow ≥ 0, and
/// available + held + escrow = deposits − withdrawals.
/// </summary>
public sealed class AccountBook(string accountId, AccountState state)
{
    public string AccountId { get; } = accountId;

    public AccountState State { get; } = state;

    public long AvailableMicros => State.AvailableMicros;

    public long HeldMicros => Sum(State.Holds);

    public long EscrowMicros => Sum(State.Escrows);

    public long ReservedMicros => checked(HeldMicros + EscrowMicros);

    public AccountBook Clone() => new(AccountId, State.Clone());

    public AccountBalance Balance() => new(
        AccountId,
        AvailableMicros,
        ReservedMicros,
        HeldMicros,
        EscrowMicros,
        [.. State.Vouchers.Select(v => v.ToBalance())]);

    public IReadOnlyList<Posting> Deposit(long amountMicros, string reference)
    {
        Inputs.Amount(amountMicros);
        State.AvailableMicros = checked(State.AvailableMicros + amountMicros);
        return [new Posting(TransferId("deposit", reference), Posting.ExternalBank, Posting.Available(AccountId), amountMicros, "deposit", reference)];
    }

    public IReadOnlyList<Posting> Withdraw(long amountMicros, string reference)
    {
        Inputs.Amount(amountMicros);
        RequireAvailable(amountMicros);
        State.AvailableMicros -= amountMicros;
        return [new Posting(TransferId("withdrawal", reference), Posting.Available(AccountId), Posting.ExternalBank, amountMicros, "withdrawal", reference)];
    }

    /// <param name="heldLimitMicros">The most this account may hold in total (its tier's open buy value).</param>
    public IReadOnlyList<Posting> Reserve(string holdId, long amountMicros, long heldLimitMicros = long.MaxValue)
    {
        Inputs.Amount(amountMicros);
        if (State.Holds.ContainsKey(holdId))
        {
            throw DomainException.Conflict("hold_exists", $"hold {holdId} is already open");
        }
        if (amountMicros > heldLimitMicros - HeldMicros)
        {
            throw DomainException.Rule("tier_limit_exceeded",
                $"account {AccountId} would hold {checked(HeldMicros + amountMicros)} µ¥ for open buys; its tier allows {heldLimitMicros} µ¥");
        }
        RequireAvailable(amountMicros);
        State.AvailableMicros -= amountMicros;
        State.Holds[holdId] = amountMicros;
        return [new Posting(TransferId("reserve", holdId), Posting.Available(AccountId), Posting.Held(AccountId), amountMicros, "reserve", holdId)];
    }

    /// <summary>Moves <paramref name="amountMicros"/> of the hold into escrow and releases the rest; the hold closes.</summary>
    public (IReadOnlyList<Posting> Postings, long HeldMicros, long ReleasedMicros) Post(string holdId, long amountMicros, string escrowId)
    {
        var held = OpenHold(holdId);
        if (amountMicros < 0 || amountMicros > held)
        {
            throw DomainException.Rule("post_exceeds_hold", $"hold {holdId} holds {held} µ¥; cannot post {amountMicros} µ¥");
        }
        var released = held - amountMicros;
        State.Holds.Remove(holdId);
        State.Escrows[escrowId] = checked(State.Escrows.GetValueOrDefault(escrowId) + amountMicros);
        State.AvailableMicros = checked(State.AvailableMicros + released);

        var postings = new List<Posting>(2);
        if (amountMicros > 0)
        {
            postings.Add(new Posting(TransferId("post", holdId), Posting.Held(AccountId), Posting.Escrow(AccountId), amountMicros, "post", holdId));
        }
        if (released > 0)
        {
            postings.Add(new Posting(TransferId("release", holdId), Posting.Held(AccountId), Posting.Available(AccountId), released, "release", holdId));
        }
        return (postings, held, released);
    }

    /// <summary>
    /// Moves part of a hold into an escrow and keeps the rest held (a fill of a resting buy). The hold stays open,
    /// even at zero, until it is voided: whoever reserved it closes it.
    /// </summary>
    public IReadOnlyList<Posting> Capture(string holdId, string captureId, long amountMicros, string escrowId)
    {
        var held = OpenHold(holdId);
        Inputs.Amount(amountMicros);
        if (amountMicros > held)
        {
            throw DomainException.Rule("capture_exceeds_hold", $"hold {holdId} holds {held} µ¥; cannot capture {amountMicros} µ¥");
        }
        State.Holds[holdId] = held - amountMicros;
        State.Escrows[escrowId] = checked(State.Escrows.GetValueOrDefault(escrowId) + amountMicros);
        return [new Posting(TransferId("capture", captureId), Posting.Held(AccountId), Posting.Escrow(AccountId), amountMicros, "capture", captureId)];
    }

    /// <summary>Returns part of a hold to available and keeps the rest held (a resting buy reduced, or filled for less).</summary>
    public IReadOnlyList<Posting> Release(string holdId, string releaseId, long amountMicros)
    {
        var held = OpenHold(holdId);
        Inputs.Amount(amountMicros);
        if (amountMicros >= held)
        {
            throw DomainException.Rule("release_exceeds_hold", $"hold {holdId} holds {held} µ¥; a partial release must leave some");
        }
        State.Holds[holdId] = held - amountMicros;
        State.AvailableMicros = checked(State.AvailableMicros + amountMicros);
        return [new Posting(TransferId("release", releaseId), Posting.Held(AccountId), Posting.Available(AccountId), amountMicros, "release", releaseId)];
    }

    public (IReadOnlyList<Posting> Postings, long HeldMicros) Void(string holdId)
    {
        var held = OpenHold(holdId);
        State.Holds.Remove(holdId);
        State.AvailableMicros = checked(State.AvailableMicros + held);
        // A hold captured down to nothing closes without moving money: there is no posting of zero.
        return (held == 0 ? [] : [new Posting(TransferId("void", holdId), Posting.Held(AccountId), Posting.Available(AccountId), held, "void", holdId)], held);
    }

    /// <summary>Records a voucher. No money moves now: the issuer's account funds what it pays, at settlement.</summary>
    public void AddVoucher(VoucherState voucher)
    {
        if (State.Vouchers.Any(v => v.Id == voucher.Id))
        {
            throw DomainException.Conflict("voucher_exists", $"voucher {voucher.Id} is already issued");
        }
        State.Vouchers.Add(voucher);
    }

    private long OpenHold(string holdId) =>
        State.Holds.TryGetValue(holdId, out var held)
            ? held
            : throw DomainException.NotFound("unknown_hold", $"account {AccountId} has no open hold {holdId}");

    private void RequireAvailable(long amountMicros)
    {
        if (amountMicros > State.AvailableMicros)
        {
            throw DomainException.Rule("insufficient_funds", $"account {AccountId} has {State.AvailableMicros} µ¥ available; {amountMicros} µ¥ needed");
        }
    }

    private string TransferId(string kind, string key) => $"{AccountId}/{kind}/{key}";

    private static long Sum(Dictionary<string, long> amounts)
    {
        long total = 0;
        foreach (var amount in amounts.Values)
        {
            total = checked(total + amount);
        }
        return total;
    }
}
