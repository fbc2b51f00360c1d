using FsCheck;
using FsCheck.Fluent;
using ClearingCluster.Grains.Accounts;
using ClearingCluster.Grains.Clearing;
using ClearingCluster.Interfaces.Accounts;

namespace ClearingCluster.Grains.Tests.Clearing;

/// <summary>
/// A random but consistent cycle, built from a seed: contracts whose usage fits their escrow, vouchers backed by their
/// issuers, fee and share schedules that carve at most the whole, and opening balances that hold all of it.
/// </summary>
public sealed record ClearingScenario(CycleInput Input, IReadOnlyDictionary<string, long> Opening)
{
    public static readonly DateTimeOffset CycleEnd = new(2026, 11, 30, 0, 0, 0, TimeSpan.Zero);

    private static readonly Arbitrary<ClearingScenario> Scenarios = Gen.Choose(0, int.MaxValue).Select(From).ToArbitrary();

    /// <summary>Checks <paramref name="property"/> over 300 random scenarios, replayable from <paramref name="seed"/>.</summary>
    public static void Holds(Func<ClearingScenario, bool> property, ulong seed) =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300).WithReplay(seed, 1UL), Prop.ForAll(Scenarios, property));

    private static readonly string[] Buyers = ["b0", "b1", "b2", "b3"];
    private static readonly string[] Providers = ["p0", "p1", "p2"];
    private static readonly string[] Intermediaries = ["i0", "i1"];
    private static readonly string[] Categories = ["geo", "credit", "health"];
    private static readonly string[] Issuers = [AccountIds.VoucherFund, "i0"];

    public static ClearingScenario From(int seed)
    {
        var random = new Random(seed);
        var products = Enumerable.Range(0, 4).Select(i => (Id: $"prod{i}", Provider: Providers[random.Next(Providers.Length)],
            Category: Categories[random.Next(Categories.Length)])).ToList();
        var fees = Categories.Where(_ => random.Next(2) == 0).ToDictionary(c => c, _ => random.Next(0, 501), StringComparer.Ordinal);
        var shares = products.ToDictionary(p => p.Id, p => (IReadOnlyList<RevenueShare>)[.. Intermediaries.Where(_ => random.Next(3) == 0)
            .Select(i => new RevenueShare(i, random.Next(0, 2_001)))], StringComparer.Ordinal);

        var contracts = Enumerable.Range(0, random.Next(0, 25)).Select(n =>
        {
            var product = products[random.Next(products.Count)];
            var price = random.Next(1, 10_001);
            var quota = random.Next(1, 1_001);
            var usedBefore = random.Next(0, quota + 1);
            var left = quota - usedBefore;
            return new ClearingContract($"K-{product.Id}-{n}", Buyers[random.Next(Buyers.Length)], product.Provider, product.Id, product.Category,
                price, (long)price * left, random.Next(0, left + 1), CycleEnd.AddDays(random.Next(-3, 4)));
        }).ToList();
        var vouchers = Enumerable.Range(0, random.Next(0, 8)).Select(n => new ClearingVoucher($"v{n}", Buyers[random.Next(Buyers.Length)],
            Issuers[random.Next(Issuers.Length)], random.Next(0, 500_001),
            new HashSet<string>(Categories.Where(_ => random.Next(2) == 0), StringComparer.Ordinal), CycleEnd.AddDays(random.Next(-2, 3)))).ToList();

        var opening = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var account in Buyers.Concat(Providers).Concat(Intermediaries).Append(AccountIds.Exchange).Append(AccountIds.VoucherFund))
        {
            opening[Posting.Available(account)] = random.Next(0, 1_000_000);
        }
        foreach (var c in contracts)
        {
            opening[Posting.Escrow(c.Buyer)] = opening.GetValueOrDefault(Posting.Escrow(c.Buyer)) + c.EscrowMicros!.Value;
        }
        foreach (var v in vouchers)
        {
            opening[Posting.Backing(v.Issuer)] = opening.GetValueOrDefault(Posting.Backing(v.Issuer)) + v.RemainingMicros;
        }
        return new ClearingScenario(new CycleInput("c-1", CycleEnd, contracts, vouchers, fees, 300, shares), opening);
    }

    /// <summary>The opening balances with the postings applied, sub-account by sub-account.</summary>
    public static Dictionary<string, long> Apply(IReadOnlyDictionary<string, long> opening, IEnumerable<Posting> postings)
    {
        var balances = new Dictionary<string, long>(opening, StringComparer.Ordinal);
        foreach (var p in postings)
        {
            balances[p.DebitAccount] = balances.GetValueOrDefault(p.DebitAccount) - p.AmountMicros;
            balances[p.CreditAccount] = balances.GetValueOrDefault(p.CreditAccount) + p.AmountMicros;
        }
        return balances;
    }
}
