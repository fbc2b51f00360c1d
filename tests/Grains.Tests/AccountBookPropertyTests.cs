using ClearingCluster.Grains.Accounts;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Accounts;
using FsCheck;
using FsCheck.Fluent;

namespace ClearingCluster.Grains.Tests;

/// <summary>
/// Random sequences of deposits, withdrawals, reserves (within a tier limit), reserves given back, captures into
/// escrow and releases, voucher backings and their releases over two accounts, checked after every step against the
/// postings replayed on their own.
/// </summary>
public sealed class AccountBookPropertyTests
{
    private static readonly string[] AccountIds = ["acme", "beta"];
    private const long HeldLimitMicros = 8_000_000;

    public enum Kind
    {
        Deposit,
        Withdraw,
        Reserve,
        Unreserve,
        Capture,
        Release,
        BackVoucher,
        ReleaseBacking,
    }

    public sealed record Operation(Kind Kind, int Account, long AmountMicros);

    private static readonly Gen<Operation> Operations =
        from kind in Gen.Elements(Enum.GetValues<Kind>())
        from account in Gen.Choose(0, AccountIds.Length - 1)
        from amount in Gen.Frequency((9, Gen.Choose(1, 5_000).Select(n => (long)n * 1_000)), (1, Gen.Choose(-2, 0).Select(n => (long)n)))
        select new Operation(kind, account, amount);

    private static AccountBook Empty(string id) => new(id, new AccountTotals(0, 0, 0, 0), new AccountState());

    [Fact]
    public void Any_sequence_keeps_every_total_non_negative_refusals_change_nothing_and_the_postings_explain_every_balance()
    {
        var property = Prop.ForAll(Operations.ArrayOf().ToArbitrary(), operations =>
        {
            var books = AccountIds.ToDictionary(id => id, Empty);
            var postings = new List<(string Debit, string Credit, long Amount)>();
            long net = 0;
            foreach (var (operation, step) in operations.Select((o, i) => (o, i)))
            {
                var id = AccountIds[operation.Account];
                var book = books[id];
                var before = (book.AvailableMicros, book.HeldMicros, book.EscrowMicros, book.BackingMicros);
                var amount = operation.AmountMicros;
                try
                {
                    switch (operation.Kind)
                    {
                        case Kind.Deposit:
                            var deposit = book.Deposit(amount, $"r{step}");
                            book.Apply(new AccountDelta(id, amount, 0, 0));
                            postings.Add((deposit.DebitAccount, deposit.CreditAccount, deposit.AmountMicros));
                            net += amount;
                            break;
                        case Kind.Withdraw:
                            var withdrawal = book.Withdraw(amount, $"r{step}");
                            postings.Add((withdrawal.DebitAccount, withdrawal.CreditAccount, withdrawal.AmountMicros));
                            net -= amount;
                            break;
                        case Kind.Reserve:
                            book.Reserve(amount, HeldLimitMicros);
                            postings.Add((Posting.Available(id), Posting.Held(id), amount));
                            break;
                        case Kind.Unreserve when amount > 0 && amount <= book.HeldMicros:
                            book.Unreserve(amount);
                            postings.Add((Posting.Held(id), Posting.Available(id), amount));
                            break;
                        case Kind.Capture when amount > 0 && amount <= book.HeldMicros:
                            book.Apply(new AccountDelta(id, 0, -amount, amount));
                            postings.Add((Posting.Held(id), Posting.Escrow(id), amount));
                            break;
                        case Kind.Release when amount > 0 && amount <= book.HeldMicros:
                            book.Apply(new AccountDelta(id, amount, -amount, 0));
                            postings.Add((Posting.Held(id), Posting.Available(id), amount));
                            break;
                        case Kind.BackVoucher:
                            // Debited now, credited to backing once durable.
                            var (_, backing) = book.Back($"v{step}#1", amount);
                            book.Apply(book.BackingCredit(amount));
                            postings.Add((backing.DebitAccount, backing.CreditAccount, backing.AmountMicros));
                            break;
                        case Kind.ReleaseBacking when amount > 0 && amount <= book.BackingMicros:
                            var (released, releasing) = book.Unback($"v{step}#1", amount);
                            book.Apply(released);
                            postings.Add((releasing.DebitAccount, releasing.CreditAccount, releasing.AmountMicros));
                            break;
                    }
                }
                catch (DomainException)
                {
                    if ((book.AvailableMicros, book.HeldMicros, book.EscrowMicros, book.BackingMicros) != before)
                    {
                        return false;
                    }
                }

                if (books.Values.Any(b => b.AvailableMicros < 0 || b.HeldMicros < 0 || b.EscrowMicros < 0 || b.BackingMicros < 0 || b.HeldMicros > HeldLimitMicros)
                    || books.Values.Sum(b => b.TotalMicros) != net || !PostingsReproduce(books, postings, net))
                {
                    return false;
                }
            }
            return true;
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500).WithReplay(674386, 1), property);
    }

    [Fact]
    public void A_reserve_beyond_available_or_the_tier_limit_is_refused_and_changes_nothing()
    {
        var book = Empty("acme");
        book.Apply(new AccountDelta("acme", 1_000, 0, 0));

        Assert.Equal("insufficient_funds", Assert.Throws<DomainException>(() => book.Reserve(1_001, long.MaxValue)).Code);
        book.Reserve(600, 900);
        Assert.Equal("tier_limit_exceeded", Assert.Throws<DomainException>(() => book.Reserve(301, 900)).Code);

        Assert.Equal((400L, 600L, 0L), (book.AvailableMicros, book.HeldMicros, book.EscrowMicros));
    }

    [Fact]
    public void A_committed_change_that_would_take_memory_below_zero_is_refused_as_memory_behind_storage()
    {
        var book = Empty("acme");
        book.Apply(new AccountDelta("acme", 500, 0, 0));

        Assert.Throws<InvalidOperationException>(() => book.Apply(new AccountDelta("acme", 0, -1, 1)));
        Assert.Throws<ArgumentException>(() => book.Apply(new AccountDelta("beta", 1, 0, 0)));
        Assert.Equal((500L, 0L, 0L), (book.AvailableMicros, book.HeldMicros, book.EscrowMicros));
    }

    /// <summary>Replays the postings alone: every sub-account's sum must equal the book, and the bank mirrors the net deposits.</summary>
    private static bool PostingsReproduce(Dictionary<string, AccountBook> books, List<(string Debit, string Credit, long Amount)> postings, long net)
    {
        var balances = new Dictionary<string, long>();
        foreach (var (debit, credit, amount) in postings)
        {
            if (amount <= 0 || debit == credit)
            {
                return false;
            }
            balances[debit] = balances.GetValueOrDefault(debit) - amount;
            balances[credit] = balances.GetValueOrDefault(credit) + amount;
        }
        return books.All(b =>
                   balances.GetValueOrDefault(Posting.Available(b.Key)) == b.Value.AvailableMicros
                   && balances.GetValueOrDefault(Posting.Held(b.Key)) == b.Value.HeldMicros
                   && balances.GetValueOrDefault(Posting.Escrow(b.Key)) == b.Value.EscrowMicros
                   && balances.GetValueOrDefault(Posting.Backing(b.Key)) == b.Value.BackingMicros)
               && balances.GetValueOrDefault(Posting.ExternalBank) == -net
               && balances.Values.Sum() == 0;
    }
}
