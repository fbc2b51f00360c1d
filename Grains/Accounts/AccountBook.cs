using ClearingCluster.Grains.Validation;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Accounts;

namespace ClearingCluster.Grains.Accounts;

/// <summary>
/// An account's money and the rules that move it, with no I/O. Four totals: <c>available</c> (free), <c>held</c>
/// (open buys' reserves), <c>escrow</c> (captured into contracts until settled) and <c>backing</c> (set aside for
/// the vouchers the account issued, until settlement redeems them), all in µ¥ and never below zero.
/// Debits take effect the moment they are decided (a reserve, a withdrawal), so nothing can be spent twice; credits
/// count only once durable (a deposit, a release a book committed), so nothing is spent before it exists. Memory is
/// therefore never richer than storage. The state is O(1): totals and vouchers, whatever the history.
/// </summary>
public sealed class AccountBook(string accountId, AccountTotals totals, AccountState state)
{
    public string AccountId { get; } = accountId;

    public AccountState State { get; private set; } = state;

    public long AvailableMicros { get; private set; } = totals.AvailableMicros;

    public long HeldMicros { get; private set; } = totals.HeldMicros;

    public long EscrowMicros { get; private set; } = totals.EscrowMicros;

    public long BackingMicros { get; private set; } = totals.BackingMicros;

    public long TotalMicros => checked(AvailableMicros + HeldMicros + EscrowMicros + BackingMicros);

    public AccountBalance Balance() => new(AccountId, AvailableMicros, checked(HeldMicros + EscrowMicros), HeldMicros, EscrowMicros,
        [.. State.Vouchers.Select(v => v.ToBalance())], BackingMicros);

    /// <summary>
    /// Takes a voucher's amount from available now, refused when the money is not there: a voucher this account issues
    /// is funded when it is issued, not hoped for at settlement. The backing is credited once durable
    /// (<see cref="Apply"/> <see cref="BackingCredit"/>); <see cref="Undo"/> gives available back if it never is.
    /// </summary>
    public (AccountDelta Delta, Posting Posting) Back(string backingKey, long amountMicros)
    {
        Inputs.Amount(amountMicros);
        RequireAvailable(amountMicros);
        AvailableMicros -= amountMicros;
        return (new AccountDelta(AccountId, -amountMicros, 0, 0, amountMicros),
            new Posting(TransferId("voucher-backing", backingKey), Posting.Available(AccountId), Posting.Backing(AccountId), amountMicros,
                "voucher_backing", backingKey));
    }

    public AccountDelta BackingCredit(long amountMicros) => new(AccountId, 0, 0, 0, amountMicros);

    /// <summary>The backing of a voucher that was not issued after all goes back to available (once durable: <see cref="Apply"/> it then).</summary>
    public (AccountDelta Delta, Posting Posting) Unback(string backingKey, long amountMicros)
    {
        Inputs.Amount(amountMicros);
        if (amountMicros > BackingMicros)
        {
            throw new InvalidOperationException($"account {AccountId} backs {BackingMicros} µ¥ of vouchers; {amountMicros} µ¥ cannot be released");
        }
        return (new AccountDelta(AccountId, amountMicros, 0, 0, -amountMicros),
            new Posting(TransferId("voucher-release", backingKey), Posting.Backing(AccountId), Posting.Available(AccountId), amountMicros, "voucher_release",
                backingKey));
    }

    /// <summary>The posting a deposit makes; its money counts once durable (<see cref="Apply"/> its delta then).</summary>
    public Posting Deposit(long amountMicros, string reference)
    {
        Inputs.Amount(amountMicros);
        return new Posting(TransferId("deposit", reference), Posting.ExternalBank, Posting.Available(AccountId), amountMicros, "deposit", reference);
    }

    /// <summary>Takes the amount from available now; <see cref="Undo"/> gives it back if the withdrawal does not become durable.</summary>
    public Posting Withdraw(long amountMicros, string reference)
    {
        Inputs.Amount(amountMicros);
        RequireAvailable(amountMicros);
        AvailableMicros -= amountMicros;
        return new Posting(TransferId("withdrawal", reference), Posting.Available(AccountId), Posting.ExternalBank, amountMicros, "withdrawal", reference);
    }

    /// <summary>
    /// Moves a buy's full cost from available to held now, refused when the money is not there or when the account
    /// would hold more than <paramref name="heldLimitMicros"/> for open buys (its tier's bound).
    /// </summary>
    public void Reserve(long amountMicros, long heldLimitMicros)
    {
        Inputs.Amount(amountMicros);
        if (amountMicros > heldLimitMicros - HeldMicros)
        {
            throw DomainException.Rule("tier_limit_exceeded",
                $"account {AccountId} would hold {checked(HeldMicros + amountMicros)} µ¥ for open buys; its tier allows {heldLimitMicros} µ¥");
        }
        RequireAvailable(amountMicros);
        AvailableMicros -= amountMicros;
        HeldMicros += amountMicros;
    }

    /// <summary>A reserve whose order never became durable (refused by its book, or its commit failed) goes back.</summary>
    public void Unreserve(long amountMicros) => Apply(new AccountDelta(AccountId, amountMicros, -amountMicros, 0));

    /// <summary>A withdrawal (or a voucher's backing) that never became durable goes back to available.</summary>
    public void Undo(Posting debit) => Apply(new AccountDelta(AccountId, debit.AmountMicros, 0, 0));

    /// <summary>Applies a change that is durable already (a deposit, a capture, a release).</summary>
    public void Apply(AccountDelta delta)
    {
        if (delta.AccountId != AccountId)
        {
            throw new ArgumentException($"a delta of {delta.AccountId} applied to account {AccountId}");
        }
        var available = checked(AvailableMicros + delta.AvailableMicros);
        var held = checked(HeldMicros + delta.HeldMicros);
        var escrow = checked(EscrowMicros + delta.EscrowMicros);
        var backing = checked(BackingMicros + delta.BackingMicros);
        if (available < 0 || held < 0 || escrow < 0 || backing < 0)
        {
            throw new InvalidOperationException(
                $"account {AccountId}: a committed change would leave available {available}, held {held}, escrow {escrow}, backing {backing} µ¥; memory has fallen behind storage");
        }
        (AvailableMicros, HeldMicros, EscrowMicros, BackingMicros) = (available, held, escrow, backing);
    }

    /// <summary>Records a voucher. No money moves on the receiver's account: the issuer's backing funds it.</summary>
    public AccountState WithVoucher(VoucherState voucher)
    {
        if (State.Vouchers.Any(v => v.Id == voucher.Id))
        {
            throw DomainException.Conflict("voucher_exists", $"voucher {voucher.Id} is already issued");
        }
        var next = State.Clone();
        next.Vouchers.Add(voucher);
        return next;
    }

    public void Replace(AccountState next) => State = next;

    private void RequireAvailable(long amountMicros)
    {
        if (amountMicros > AvailableMicros)
        {
            throw DomainException.Rule("insufficient_funds", $"account {AccountId} has {AvailableMicros} µ¥ available; {amountMicros} µ¥ needed");
        }
    }

    private string TransferId(string kind, string key) => $"{AccountId}/{kind}/{key}";
}
