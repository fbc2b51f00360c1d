using System.Text.Json.Nodes;
using ClearingCluster.Grains.Ledger;
using ClearingCluster.Grains.Participants;
using ClearingCluster.Grains.Validation;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Ledger;
using ClearingCluster.Interfaces.Participants;
using ClearingCluster.Interfaces.Products;
using ClearingCluster.Interfaces.Trading;
using ClearingCluster.Runtime;

namespace ClearingCluster.Grains.Products;

public sealed class ProductGrain(
    [PersistentState("product")] IPersistentState<ProductState> state,
    TimeProvider time) : Grain, IProductGrain
{
    private ProductState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken) =>
        EvidenceOutbox.PublishAsync(GrainFactory, S.PendingEvidence, [.. S.PendingEvidence], redelivery: true);

    public async Task<ProductView> Submit(SubmitProduct submission)
    {
        var valid = ProductRules.Validate(submission with { Id = GetPrimaryKeyString() });
        var resubmission = S.Submission is not null && S.Status == ProductStatus.Rejected;
        if (S.Submission is { } existing && !resubmission)
        {
            return SameSubmission(existing, valid)
                ? View()
                : throw DomainException.Conflict("product_exists", $"product {valid.Id} already exists and is {ProductRules.Wire(S.Status)}");
        }
        if (resubmission && valid.Provider != S.Submission!.Provider)
        {
            throw DomainException.Conflict("product_exists", $"product {valid.Id} belongs to provider {S.Submission.Provider}");
        }

        var provider = await GrainFactory.GetGrain<IParticipantGrain>(valid.Provider).Get()
            ?? throw DomainException.NotFound("unknown_participant", $"no participant {valid.Provider}");
        if (!provider.Roles.Contains(Roles.Provider))
        {
            throw DomainException.Rule("not_a_provider", $"participant {valid.Provider} is not admitted as a provider");
        }
        if (provider.Status != ParticipantStatus.Active)
        {
            throw DomainException.Forbidden("participant_not_active", $"participant {valid.Provider} is {ParticipantRules.Wire(provider.Status)}");
        }
        await CheckIntermediariesAsync(valid.RevenueShares!);

        var now = time.GetUtcNow();
        S.Submission = valid;
        S.Status = ProductStatus.PendingReview;
        S.SubmittedAt = S.UpdatedAt = now;
        S.ReviewNote = null;
        S.History.Add(new ProductHistoryEntry(ProductStatus.PendingReview, null, now));
        await CommitAsync(resubmission ? "product.resubmitted" : "product.submitted", new JsonObject
        {
            ["provider"] = valid.Provider,
            ["name"] = valid.Name,
            ["kind"] = valid.Kind,
            ["unit"] = valid.Unit,
            ["category"] = valid.Category,
            ["scenarios"] = new JsonArray([.. valid.Scenarios.Select(s => JsonValue.Create(s))]),
            ["delivery"] = valid.Delivery,
            ["revenueShares"] = new JsonArray([.. valid.RevenueShares!.Select(r => new JsonObject
            {
                ["intermediary"] = r.Intermediary,
                ["role"] = r.Role,
                ["basisPoints"] = r.BasisPoints,
            })]),
        });
        return View();
    }

    /// <summary>Clearing pays each share to the intermediary's account, so the schedule may name only participants admitted for it.</summary>
    private async Task CheckIntermediariesAsync(IReadOnlyList<ProductRevenueShare> shares)
    {
        var profiles = await Task.WhenAll(shares.Select(r => GrainFactory.GetGrain<IParticipantGrain>(r.Intermediary).Get()));
        for (var i = 0; i < shares.Count; i++)
        {
            var intermediary = shares[i].Intermediary;
            if (profiles[i] is not { } profile)
            {
                throw DomainException.Rule("unknown_intermediary", $"no participant {intermediary} to take the {shares[i].Role} share");
            }
            if (!profile.Roles.Contains(Roles.Intermediary))
            {
                throw DomainException.Rule("not_an_intermediary", $"participant {intermediary} is not admitted as an intermediary");
            }
        }
    }

    public Task<ProductView> Review(bool approve, string note) =>
        ChangeStatusAsync(note, current => ProductRules.Review(current, approve), approve ? "product.listed" : "product.rejected");

    public Task<ProductView> Suspend(string note) => ChangeStatusAsync(note, ProductRules.Suspend, "product.suspended", ProductStatus.Suspended);

    public Task<ProductView> Reinstate(string note) => ChangeStatusAsync(note, ProductRules.Reinstate, "product.reinstated", ProductStatus.Listed);

    public Task<ProductView> Delist(string note) => ChangeStatusAsync(note, ProductRules.Delist, "product.delisted", ProductStatus.Delisted);

    /// <summary>
    /// A status change, on the ledger, then told to the book. Repeating a change to the book's status
    /// (<paramref name="repeatable"/>) that is already made tells the book again: the way to finish one whose telling
    /// failed (the book would otherwise go on matching by the old facts, or keep a delisted product's orders).
    /// </summary>
    private async Task<ProductView> ChangeStatusAsync(string note, Func<ProductStatus, ProductStatus> transition, string evidenceKind,
        ProductStatus? repeatable = null)
    {
        Inputs.Text(note, "note", Inputs.NoteLengthMax, lengthMin: 0);
        if (repeatable is { } target && Current().Status == target)
        {
            await GrainFactory.GetGrain<IOrderBookGrain>(GetPrimaryKeyString()).ProductChanged(View());
            return View();
        }
        S.Status = transition(Current().Status);
        S.ReviewNote = note;
        S.UpdatedAt = time.GetUtcNow();
        S.History.Add(new ProductHistoryEntry(S.Status, note, S.UpdatedAt));
        await CommitAsync(evidenceKind, new JsonObject { ["note"] = note });
        return View();
    }

    public Task<ProductView?> Get() => Task.FromResult(S.Submission is null ? null : View());

    private ProductState Current() =>
        S.Submission is not null ? S : throw DomainException.NotFound("unknown_product", $"no product {GetPrimaryKeyString()}");

    private static bool SameSubmission(SubmitProduct a, SubmitProduct b) =>
        a.Provider == b.Provider && a.Name == b.Name && a.Kind == b.Kind && a.Unit == b.Unit && a.Category == b.Category
        && a.Delivery == b.Delivery && a.Scenarios.SequenceEqual(b.Scenarios)
        && (a.RevenueShares ?? []).SequenceEqual(b.RevenueShares ?? []);

    /// <summary>Writes the change with its evidence, then tells the product's book, which matches by the product's facts.</summary>
    private async Task CommitAsync(string kind, JsonObject payload)
    {
        await EvidenceOutbox.CommitAsync(GrainFactory, state, S.PendingEvidence,
            EvidenceOutbox.Record(kind, GetPrimaryKeyString(), state.Version + 1, payload), DeactivateOnIdle);
        await GrainFactory.GetGrain<IOrderBookGrain>(GetPrimaryKeyString()).ProductChanged(View());
    }

    private ProductView View()
    {
        var s = S.Submission!;
        return new ProductView(s.Id, s.Provider, s.Name, s.Kind, s.Unit, s.Category, s.Scenarios, s.Delivery, S.Status, S.ReviewNote, S.SubmittedAt, S.UpdatedAt,
            [.. S.History]) { RevenueShares = s.RevenueShares ?? [] };
    }
}
