using System.Text.Json.Nodes;
using ClearingCluster.Grains.Ledger;
using ClearingCluster.Grains.Trading;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Contracts;
using ClearingCluster.Interfaces.Ledger;
using ClearingCluster.Runtime;

namespace ClearingCluster.Grains.Contracts;

public sealed class ContractGrain(ITradingStore store, TimeProvider time) : Grain, IContractGrain
{
    private ContractView? contract;

    public override async Task OnActivateAsync(CancellationToken cancellationToken) =>
        contract = await store.FindContractAsync(GetPrimaryKeyString(), cancellationToken);

    public async Task<ContractView?> Get()
    {
        // Activated before its fill committed (a racing read): look again.
        contract ??= await store.FindContractAsync(GetPrimaryKeyString(), CancellationToken.None);
        return contract is null ? null : WithExpiry(contract);
    }

    public async Task<ContractView> Activate()
    {
        contract ??= await store.FindContractAsync(GetPrimaryKeyString(), CancellationToken.None)
            ?? throw DomainException.NotFound("unknown_contract", $"no contract {GetPrimaryKeyString()}");
        if (contract.Status != ContractStatus.Pending)
        {
            return contract;
        }
        // Redeliver: after a crash the entry may already be on the ledger; it is not written twice.
        var entry = await GrainFactory.GetGrain<ILedgerGrain>(ILedgerGrain.Key).Redeliver(Evidence(contract));
        await store.ActivateContractAsync(contract.Id, entry.Hash, CancellationToken.None);
        contract = contract with { Status = ContractStatus.Active, EvidenceCode = entry.Hash };
        return contract;
    }

    /// <summary>The contract's canonical terms: what its evidence code proves.</summary>
    public static EvidenceRecord Evidence(ContractView c) => new($"contract.created/{c.Id}", "contract.created", c.Id, new JsonObject
    {
        ["buyer"] = c.Buyer,
        ["provider"] = c.Provider,
        ["product"] = c.Product,
        ["price"] = c.PriceMicros,
        ["quota"] = c.Quota,
        ["scenario"] = c.Scenario,
        ["delivery"] = c.Delivery,
        ["validFrom"] = EvidenceChain.FormatTime(c.ValidFrom),
        ["validTo"] = EvidenceChain.FormatTime(c.ValidTo),
        ["exchangeFeeBasisPoints"] = c.ExchangeFeeBasisPoints,
        ["buyOrder"] = c.BuyOrderId,
        ["sellOrder"] = c.SellOrderId,
    });

    private ContractView WithExpiry(ContractView c) =>
        c.Status == ContractStatus.Active && time.GetUtcNow() >= c.ValidTo ? c with { Status = ContractStatus.Expired } : c;
}
