using ClearingCluster.Grains.Accounts;
using ClearingCluster.Interfaces.Trading;
using ClearingCluster.Runtime;

namespace ClearingCluster.Grains.Trading;

/// <summary>One participant whose stored money does not match what the books say it should be.</summary>
public sealed record ReconciliationMismatch(string Participant, long HeldMicros, long HeldByBooksMicros, long EscrowMicros, long EscrowByBooksMicros);

/// <summary>The outcome: every account's held equals the value of its open buys in all books, and its escrow what its contracts took.</summary>
public sealed record Reconciliation(bool Ok, int Books, int Participants, long HeldMicros, long EscrowMicros, IReadOnlyList<ReconciliationMismatch> Mismatches,
    DateTimeOffset At);

/// <summary>
/// Checks trading's money against the books: for every participant, the held total stored on its account equals
/// what the books hold for its open buys (so no hold exists without its order), and its escrow equals what its
/// contracts captured less what settled clearing cycles took out of escrow (usage paid, escrow released). Exact when trading is quiet; under load an order in flight may show as a passing mismatch.
/// </summary>
public sealed class TradingReconciliation(ITradingStore trading, IAccountStore accounts, Clearing.IClearingStore clearing, IGrainFactory grains, TimeProvider time)
{
    public async Task<Reconciliation> RunAsync(CancellationToken cancellationToken)
    {
        var books = await trading.BooksAsync(cancellationToken);
        var positions = await Task.WhenAll(books.Select(b => grains.GetGrain<IOrderBookGrain>(b).Positions()));
        var settled = await clearing.SettledEscrowAsync(cancellationToken);
        var stored = await accounts.HoldingAsync(cancellationToken);
        return Compare(books.Count, positions.SelectMany(p => p), stored, time.GetUtcNow(), settled);
    }

    /// <summary>The comparison itself, with no I/O.</summary>
    public static Reconciliation Compare(int books, IEnumerable<BookPosition> positions, IEnumerable<(string AccountId, AccountTotals Totals)> stored, DateTimeOffset at,
        IReadOnlyDictionary<string, long>? settledEscrow = null)
    {
        var expected = new Dictionary<string, (long Held, long Escrow)>(StringComparer.Ordinal);
        foreach (var p in positions)
        {
            var (held, escrow) = expected.GetValueOrDefault(p.Participant);
            expected[p.Participant] = (checked(held + p.HeldMicros), checked(escrow + p.EscrowCapturedMicros));
        }
        foreach (var (participant, change) in settledEscrow ?? new Dictionary<string, long>())
        {
            var (held, escrow) = expected.GetValueOrDefault(participant);
            expected[participant] = (held, checked(escrow + change));
        }
        var actual = stored.ToDictionary(s => s.AccountId, s => (s.Totals.HeldMicros, s.Totals.EscrowMicros), StringComparer.Ordinal);
        var mismatches = new List<ReconciliationMismatch>();
        foreach (var participant in expected.Keys.Union(actual.Keys).Order(StringComparer.Ordinal))
        {
            var (held, escrow) = actual.GetValueOrDefault(participant);
            var (heldByBooks, escrowByBooks) = expected.GetValueOrDefault(participant);
            if (held != heldByBooks || escrow != escrowByBooks)
            {
                mismatches.Add(new ReconciliationMismatch(participant, held, heldByBooks, escrow, escrowByBooks));
            }
        }
        return new Reconciliation(mismatches.Count == 0, books, expected.Keys.Union(actual.Keys).Count(),
            actual.Values.Sum(v => v.Item1), actual.Values.Sum(v => v.Item2), mismatches, at);
    }
}
