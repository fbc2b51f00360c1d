namespace ClearingCluster.Wire;

public sealed record SubmitProductRequest(
    string? Id, string? Provider, string? Name, string? Kind, string? Unit, string? Category, string[]? Scenarios, string? Delivery);

public sealed record ReviewProductRequest(bool? Approve, string? Note = null);

public sealed record ProductNoteRequest(string? Note = null);

public sealed record ProductResponse(
    string Id, string Provider, string Name, string Kind, string Unit, string Category, IReadOnlyList<string> Scenarios,
    string Delivery, string Status, string? ReviewNote, DateTimeOffset SubmittedAt, DateTimeOffset UpdatedAt, IReadOnlyList<ProductHistoryResponse> History);

/// <summary>A status the product entered (<c>pending_review</c>, <c>rejected</c>, <c>listed</c>, …), with the note given and when.</summary>
public sealed record ProductHistoryResponse(string Status, string? Note, DateTimeOffset At);
