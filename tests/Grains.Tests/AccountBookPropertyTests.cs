using ClearingCluster.Grains.Accounts;
using ClearingCluster.Interfaces;
using FsCheck;
using FsCheck.Fluent;

namespace ClearingCluster.Grains.Tests;

/// <summary>
/// Random sequences of deposits, withdrawals, reserves, posts and voids over two accounts, checked after every
/// step against a model and against the postings replayed on their own.
/// </summary>
public sealed class AccountBookPropertyTests
{
    private static readonly string[] AccountIds = ["acme", "beta"];

    public enum Kind
    {
        Deposit,
        Withdraw,
        Reserve,
        Post,
        Void,
    }

    public sealed record Operation(Kind Kind, int Account, long AmountMicros, int Key);

    private static readonly Gen<Operation> Operations =
        from kind in Gen.Elements(Enum.GetValues<Kind>())
        from account in Gen.Choose(0, AccountIds.Length - 1)
        from amount in Gen.Frequency((9, Gen.Choose(1, 5_000).Select(n => (long)n * 1_000)), (1, Gen.Choose(-2, 0).Select(n => (long)n)))
        from key in Gen.Choose(0, 5)
        select new Operation(kind, account, amount, key);

    [Fact]
    public void Any_sequence_keeps_balances_non_negative_reserved_equal_to_holds_and_escrow_and_money_conserved()
    {
        var property = Prop.ForAll(Operations.ArrayOf().ToArbitrary(), operations =>
        {
            var books = AccountIds.ToDictionary(id => id, id => new AccountBook(id, new AccountState()));
            var openHolds = AccountIds.ToDictionary(id => id, _ => new Dictionary<string, long>());
            var escrowed = AccountIds.ToDictionary(id => id, _ => 0L);
            var postings = new List<Posting>();
            // The grain answers a closed hold's id with its recorded outcome, so the book never sees an id twice.
            var closedHolds = new HashSet<string>();
            long depositedMicros = 0, withdrawnMicros = 0;

            foreach (var (operation, step) in operations.Select((o, i) => (o, i)))
            {
                var id = AccountIds[operation.Account];
                var book = books[id];
                var before = Snapshot(book);
                var holdId = $"{id}-h{operation.Key}";
                if (operation.Kind == Kind.Reserve && closedHolds.Contains(holdId))
                {
                    continue;
                }
                try
                {
                    switch (operation.Kind)
                    {
                        case Kind.Deposit:
                            postings.AddRange(book.Deposit(operation.AmountMicros, $"r{step}"));
                            depositedMicros += operation.AmountMicros;
                            break;
                        case Kind.Withdraw:
                            postings.AddRange(book.Withdraw(operation.AmountMicros, $"r{step}"));
                            withdrawnMicros += operation.AmountMicros;
                            break;
                        case Kind.Reserve:
                            postings.AddRange(book.Reserve(holdId, operation.AmountMicros));
                            openHolds[id][holdId] = operation.AmountMicros;
                            break;
                        case Kind.Post:
                            var posted = Math.Min(operation.AmountMicros, openHolds[id].GetValueOrDefault(holdId));
                            var (post, _, _) = book.Post(holdId, posted, $"contract-{operation.Key}");
                            postings.AddRange(post);
                            openHolds[id].Remove(holdId);
                            closedHolds.Add(holdId);
                            escrowed[id] += posted;
                            break;
                        case Kind.Void:
                            postings.AddRange(book.Void(holdId).Postings);
                            openHolds[id].Remove(holdId);
                            closedHolds.Add(holdId);
                            break;
                    }
                }
                catch (DomainException)
                {
                    // A refusal changes nothing.
                    if (Snapshot(book) != before)
                    {
                        return false;
                    }
                }

                foreach (var (accountId, b) in books)
                {
                    if (b.AvailableMicros < 0 || b.HeldMicros != openHolds[accountId].Values.Sum() || b.EscrowMicros != escrowed[accountId]
                        || b.ReservedMicros != b.HeldMicros + b.EscrowMicros)
                    {
                        return false;
                    }
                }
                var total = books.Values.Sum(b => b.AvailableMicros + b.ReservedMicros);
                if (total != depositedMicros - withdrawnMicros)
                {
                    return false;
                }
            }

            return PostingsReproduceBalances(books, postings, depositedMicros - withdrawnMicros);
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500).WithReplay(674386, 1), property);
    }

    [Fact]
    public void Posting_more_than_the_hold_is_refused_and_changes_nothing()
    {
        var book = new AccountBook("acme", new AccountState());
        book.Deposit(1_000, "d");
        book.Reserve("h", 600);

        var error = Assert.Throws<DomainException>(() => book.Post("h", 601, "k"));

        Assert.Equal("post_exceeds_hold", error.Code);
        Assert.Equal((400, 600, 0), (book.AvailableMicros, book.HeldMicros, book.EscrowMicros));
    }

    [Fact]
    public void A_post_moves_part_into_escrow_and_releases_the_rest()
    {
        var book = new AccountBook("acme", new AccountState());
        book.Deposit(1_000, "d");
        book.Reserve("h", 600);

        var (postings, held, released) = book.Post("h", 250, "K-1");

        Assert.Equal((600L, 350L), (held, released));
        Assert.Equal((750, 0, 250), (book.AvailableMicros, book.HeldMicros, book.EscrowMicros));
        Assert.Equal(["acme:held→acme:escrow 250", "acme:held→acme:available 350"], postings.Select(p => $"{p.DebitAccount}→{p.CreditAccount} {p.AmountMicros}"));
    }

    private static (long, long, long, int) Snapshot(AccountBook book) =>
        (book.AvailableMicros, book.HeldMicros, book.EscrowMicros, book.State.Holds.Count);

    /// <summary>Replays the postings alone: every sub-account's sum must equal the book, and the bank mirrors the net deposits.</summary>
    private static bool PostingsReproduceBalances(Dictionary<string, AccountBook> books, List<Posting> postings, long netDepositsMicros)
    {
        var balances = new Dictionary<string, long>();
        foreach (var posting in postings)
        {
            if (posting.AmountMicros <= 0 || posting.DebitAccount == posting.CreditAccount)
            {
                return false;
            }
            balances[posting.DebitAccount] = balances.GetValueOrDefault(posting.DebitAccount) - posting.AmountMicros;
            balances[posting.CreditAccount] = balances.GetValueOrDefault(posting.CreditAccount) + posting.AmountMicros;
        }
        return books.All(b =>
                   balances.GetValueOrDefault(Posting.Available(b.Key)) == b.Value.AvailableMicros
                   && balances.GetValueOrDefault(Posting.Held(b.Key)) == b.Value.HeldMicros
                   && balances.GetValueOrDefault(Posting.Escrow(b.Key)) == b.Value.EscrowMicros)
               && balances.GetValueOrDefault(Posting.ExternalBank) == -netDepositsMicros
               && balances.Values.Sum() == 0
               && postings.Select(p => p.TransferId).Distinct().Count() == postings.Count;
    }
}
