using System.Globalization;
using ClearingCluster.Grains.Ledger;
using ClearingCluster.Grains.Metering;
using ClearingCluster.Grains.Trading;
using ClearingCluster.Grains.Trading.Journal;
using ClearingCluster.Interfaces.Contracts;
using ClearingCluster.Interfaces.Metering;
using ClearingCluster.Runtime;

namespace ClearingCluster.Grains.Contracts;

/// <summary>
/// The one place a contract's view is put together, for every route and for the meter: terms from the book's
/// journal (a contract is active from its commit, expired after <c>validTo</c>), whether its evidence entry is on the
/// ledger yet, units used from the contract's meter shard (durable and open-cycle use together).
/// </summary>
public sealed class ContractDirectory(ITradingStore trading, ILedgerStore ledger, IUsageStore usage, IGrainFactory grains, MeterOptions meters, TimeProvider time)
{
    public async Task<ContractView?> FindAsync(string contractId) => (await ViewsAsync([contractId])).SingleOrDefault();

    /// <summary>Views of the given contracts, in the given order; unknown ids are left out.</summary>
    public async Task<IReadOnlyList<ContractView>> ViewsAsync(IReadOnlyList<string> contractIds)
    {
        var terms = await TermsAsync(contractIds);
        var evidenced = await EvidencedThroughAsync(terms.Values.Select(t => t.Product));
        var used = await Task.WhenAll(terms.Values.GroupBy(t => MeterShards.ShardOf(t.Id, meters.ShardCount)).Select(async shard =>
        {
            var meter = grains.GetGrain<IMeterGrain>(shard.Key.ToString(CultureInfo.InvariantCulture));
            return await Task.WhenAll(shard.Select(async t => (t.Id, Used: await meter.Used(t.Id))));
        }));
        var usedById = used.SelectMany(u => u).ToDictionary(u => u.Id, u => u.Used, StringComparer.Ordinal);
        return [.. contractIds.Where(terms.ContainsKey).Select(id => Compose(terms[id], usedById[id], evidenced[terms[id].Product] >= terms[id].Number))];
    }

    /// <summary>What a meter shard needs of each contract: the durable use over all cycles, the window, and whether it is active (it is, once made).</summary>
    public async Task<IReadOnlyList<MeteredContract>> MeteredAsync(IReadOnlyCollection<string> contractIds)
    {
        var terms = await TermsAsync(contractIds);
        var used = await usage.UsedAsync([.. terms.Keys], CancellationToken.None);
        return [.. terms.Values.Select(t => new MeteredContract(t.Id, t.Buyer, t.Quota, used.GetValueOrDefault(t.Id), t.ValidFrom, t.ValidTo, Active: true))];
    }

    /// <summary>
    /// The proof that a contract is on the ledger: its batch's entry and its audit path. Its book confirms the entry
    /// first (waiting for the one in flight, or writing it if a crash left it out). Null for an unknown contract.
    /// </summary>
    public async Task<ContractEvidence?> EvidenceAsync(ContractView view)
    {
        await grains.GetGrain<Interfaces.Trading.IOrderBookGrain>(view.Terms.Product).Evidenced(view.Terms.Number);
        var entry = await ledger.FindCoveringAsync(view.Terms.Product, ContractMerkle.EntryKind, view.Terms.Number, CancellationToken.None);
        if (entry?.Range is not { } range)
        {
            throw new InvalidOperationException($"contract {view.Terms.Id}: its book confirmed its evidence but the ledger has no entry covering it");
        }
        var batch = await ContractBatches.ReadAsync(trading, view.Terms.Product, range.First, range.Last, CancellationToken.None);
        var leaves = batch.Select(ContractMerkle.Leaf).ToList();
        var index = (int)(view.Terms.Number - range.First);
        var path = ContractMerkle.AuditPath(leaves, index);
        return new ContractEvidence(view with { Evidenced = true }, entry, index, leaves.Count, [.. path.Select(Convert.ToHexStringLower)],
            Convert.ToHexStringLower(ContractMerkle.Root(leaves)));
    }

    private ContractView Compose(ContractTerms terms, long used, bool evidenced) =>
        new(terms, used, time.GetUtcNow() >= terms.ValidTo ? ContractStatus.Expired : ContractStatus.Active, ContractMerkle.EvidenceCode(terms), evidenced);

    private async Task<Dictionary<string, ContractTerms>> TermsAsync(IReadOnlyCollection<string> contractIds)
    {
        var wanted = contractIds.Select(id => (Id: id, Parsed: ContractTerms.Parse(id))).Where(x => x.Parsed is not null).ToList();
        var terms = new Dictionary<string, ContractTerms>(StringComparer.Ordinal);
        foreach (var product in wanted.GroupBy(x => x.Parsed!.Value.Product, StringComparer.Ordinal))
        {
            var numbers = product.Select(x => x.Parsed!.Value.Number).ToHashSet();
            var rows = await trading.RowsWithContractsAsync(product.Key, numbers, CancellationToken.None);
            foreach (var contract in OrderHistory.Contracts(product.Key, rows.SelectMany(r => BookJournal.Decode(r.Events))).Where(c => numbers.Contains(c.Number)))
            {
                terms[contract.Id] = contract;
            }
        }
        return terms;
    }

    private async Task<Dictionary<string, long>> EvidencedThroughAsync(IEnumerable<string> products)
    {
        var through = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var product in products.Distinct(StringComparer.Ordinal))
        {
            through[product] = await ledger.CoveredThroughAsync(product, ContractMerkle.EntryKind, CancellationToken.None);
        }
        return through;
    }
}
