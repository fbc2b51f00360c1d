namespace ClearingCluster.Wire;

/// <summary>
/// A product submission. <c>revenueShares</c> is optional (none when absent): one share per role at most, each of
/// 1–5000 basis points and 5000 in total, each to a participant admitted as an intermediary, never the provider.
/// </summary>
public sealed record SubmitProductRequest(
    string? Id, string? Provider, string? Name, string? Kind, string? Unit, string? Category, string[]? Scenarios, string? Delivery,
    RevenueShareRequest[]? RevenueShares = null);

/// <summary>
/// An intermediary's share of each contract's gross for one role (<c>valuation</c>, <c>compliance_audit</c>,
/// <c>custody</c>), in basis points, carved from the provider's side at clearing.
/// </summary>
public sealed record RevenueShareRequest(string? Intermediary, string? Role, int BasisPoints);

/// <summary>An intermediary's share of each contract's gross for one role, in basis points.</summary>
public sealed record RevenueShareResponse(string Intermediary, string Role, int BasisPoints);

public sealed record ReviewProductRequest(bool? Approve, string? Note = null);

public sealed record ProductNoteRequest(string? Note = null);

public sealed record ProductResponse(
    string Id, string Provider, string Name, string Kind, string Unit, string Category, IReadOnlyList<string> Scenarios,
    string Delivery, string Status, string? ReviewNote, DateTimeOffset SubmittedAt, DateTimeOffset UpdatedAt, IReadOnlyList<ProductHistoryResponse> History,
    IReadOnlyList<RevenueShareResponse> RevenueShares);

/// <summary>A status the product entered (<c>pending_review</c>, <c>rejected</c>, <c>listed</c>, …), with the note given and when.</summary>
public sealed record ProductHistoryResponse(string Status, string? Note, DateTimeOffset At);
