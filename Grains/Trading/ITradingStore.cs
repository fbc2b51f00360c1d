using ClearingCluster.Interfaces.Contracts;
using ClearingCluster.Interfaces.Trading;

namespace ClearingCluster.Grains.Trading;

/// <summary>An order as stored: its view, its number within the book, its place in time priority, and a buy's hold.</summary>
public sealed record OrderRecord(OrderView View, long Number, long Sequence, string? HoldId, bool HoldOpen);

/// <summary>What a book needs to rebuild itself exactly and finish work a crash interrupted.</summary>
public sealed record BookSnapshot(
    IReadOnlyList<OrderRecord> OpenOrders,
    long LastOrderNumber,
    long LastContractNumber,
    long? LastTradePriceMicros,
    IReadOnlyList<ContractView> PendingContracts,
    IReadOnlyList<OrderRecord> HoldsToRelease);

/// <summary>One book change, committed in one transaction: a new order, the orders it touched, the contracts it made.</summary>
public sealed record BookChange(OrderRecord? NewOrder, IReadOnlyList<OrderRecord> UpdatedOrders, IReadOnlyList<ContractView> NewContracts);

/// <summary>Orders and contracts in durable storage.</summary>
public interface ITradingStore
{
    Task<BookSnapshot> LoadBookAsync(string product, CancellationToken cancellationToken);

    /// <summary>Commits the change; a client order id the participant already used throws <see cref="DuplicateClientOrderException"/>.</summary>
    Task CommitAsync(BookChange change, CancellationToken cancellationToken);

    Task<OrderRecord?> FindOrderAsync(string orderId, CancellationToken cancellationToken);

    Task<OrderRecord?> FindClientOrderAsync(string participant, string clientOrderId, CancellationToken cancellationToken);

    Task<IReadOnlyList<OrderFill>> FillsOfAsync(string orderId, CancellationToken cancellationToken);

    Task MarkHoldReleasedAsync(string orderId, CancellationToken cancellationToken);

    Task<ContractView?> FindContractAsync(string contractId, CancellationToken cancellationToken);

    Task<IReadOnlyList<ContractView>> ContractsOfAsync(string participant, int limit, CancellationToken cancellationToken);

    Task ActivateContractAsync(string contractId, string evidenceCode, CancellationToken cancellationToken);
}

public sealed class DuplicateClientOrderException(string participant, string clientOrderId)
    : Exception($"participant {participant} already used client order id {clientOrderId}");
