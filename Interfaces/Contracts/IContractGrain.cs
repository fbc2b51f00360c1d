using ClearingCluster.Runtime;

namespace ClearingCluster.Interfaces.Contracts;

/// <summary>A contract, keyed by contract id. Created by its fill in the order book's transaction.</summary>
public interface IContractGrain : IGrainWithStringKey
{
    [ReadOnly]
    Task<ContractView?> Get();

    /// <summary>Puts the contract's canonical terms on the evidence ledger and makes it active; idempotent.</summary>
    Task<ContractView> Activate();
}
