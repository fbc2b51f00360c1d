namespace ClearingCluster.Wire;

// A listing's page: its items in the listing's order, and the cursor of the next page (null when there is no more).

public sealed record OrderPageResponse(IReadOnlyList<OrderResponse> Items, string? Next);

public sealed record ContractPageResponse(IReadOnlyList<ContractResponse> Items, string? Next);

public sealed record ParticipantPageResponse(IReadOnlyList<ParticipantResponse> Items, string? Next);

public sealed record ProductPageResponse(IReadOnlyList<ProductResponse> Items, string? Next);
