using ClearingCluster.Grains.Products;
using ClearingCluster.Interfaces.Products;

namespace ClearingCluster.Gateway.Apis.Wire;

public sealed record SubmitProductRequest(
    string? Id, string? Provider, string? Name, string? Kind, string? Unit, string? Category, string[]? Scenarios, string? Delivery);

public sealed record ReviewProductRequest(bool? Approve, string? Note);

public sealed record ProductNoteRequest(string? Note);

public sealed record ProductResponse(
    string Id, string Provider, string Name, string Kind, string Unit, string Category, IReadOnlyList<string> Scenarios,
    string Delivery, string Status, string? ReviewNote, DateTimeOffset SubmittedAt, DateTimeOffset UpdatedAt)
{
    public static ProductResponse From(ProductView p) => new(
        p.Id, p.Provider, p.Name, p.Kind, p.Unit, p.Category, p.Scenarios, p.Delivery, ProductRules.Wire(p.Status), p.ReviewNote,
        p.SubmittedAt, p.UpdatedAt);
}
