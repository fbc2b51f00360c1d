using System.Security.Claims;
using ClearingCluster.Wire;
using ClearingCluster.Gateway.Auth;
using ClearingCluster.Gateway.OpenApi;
using ClearingCluster.Grains.Products;
using ClearingCluster.Grains.Validation;
using ClearingCluster.Interfaces;
using ClearingCluster.Interfaces.Participants;
using ClearingCluster.Interfaces.Products;
using ClearingCluster.Runtime;

namespace ClearingCluster.Gateway.Apis;

public static class ProductsApi
{
    public static IEndpointRouteBuilder MapProductsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/products").WithTags("Products");

        group.MapPost("/", SubmitAsync).RequireAuthorization(AuthPolicies.Authenticated)
            .Produces<ProductResponse>(StatusCodes.Status201Created).Documented("submitProduct", 400, 403, 409, 413, 422)
            .WithSummary("Submit a product for compliance review (its provider, or admin); after a rejection, submitting again (changed or not) puts it back in review.");
        group.MapPost("/{id}/review", ReviewAsync).RequireAuthorization(AuthPolicies.AdminOnly).Documented("reviewProduct", 400, 404, 409)
            .WithSummary("Approve (listed) or reject a pending product, with a note.");
        group.MapPost("/{id}/suspend", (string id, ProductNoteRequest request, IGrainFactory grains) =>
                ChangeAsync(id, grains, p => p.Suspend(Note(request.Note))))
            .RequireAuthorization(AuthPolicies.AdminOnly).Documented("suspendProduct", 400, 404, 409).WithSummary("Suspend a listed product.");
        group.MapPost("/{id}/reinstate", (string id, ProductNoteRequest request, IGrainFactory grains) =>
                ChangeAsync(id, grains, p => p.Reinstate(Note(request.Note))))
            .RequireAuthorization(AuthPolicies.AdminOnly).Documented("reinstateProduct", 400, 404, 409).WithSummary("Reinstate a suspended product: it is listed and trades again.");
        group.MapPost("/{id}/delist", (string id, ProductNoteRequest request, IGrainFactory grains) =>
                ChangeAsync(id, grains, p => p.Delist(Note(request.Note))))
            .RequireAuthorization(AuthPolicies.AdminOnly).Documented("delistProduct", 400, 404, 409).WithSummary("Delist a listed or suspended product for good.");
        group.MapGet("/{id}", GetAsync).RequireAuthorization(AuthPolicies.Authenticated).Documented("getProduct", 400, 404)
            .WithSummary("A product: any authenticated caller.");
        return app;
    }

    private static async Task<IResult> SubmitAsync(SubmitProductRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        var submission = ProductRules.Validate(new SubmitProduct(
            request.Id!, request.Provider!, request.Name!, request.Kind!, request.Unit!, request.Category!, request.Scenarios!, request.Delivery!,
            // A null item stays null, for the rules to refuse as a field rather than fail here.
            request.RevenueShares?.Select(r => r is null ? null! : new ProductRevenueShare(r.Intermediary!, r.Role!, r.BasisPoints)).ToArray()));
        var mayList = user.IsInRole(Roles.Admin) || (user.IsInRole(Roles.Provider) && user.Participant() == submission.Provider);
        if (!mayList)
        {
            throw DomainException.Forbidden("forbidden", "a product is submitted by its own provider, or by admin");
        }
        var product = await grains.GetGrain<IProductGrain>(submission.Id).Submit(submission);
        return Results.Created($"/v1/products/{product.Id}", product.ToWire());
    }

    private static Task<ProductResponse> ReviewAsync(string id, ReviewProductRequest request, IGrainFactory grains)
    {
        if (request.Approve is not { } approve)
        {
            throw DomainException.Invalid("invalid_approve", "approve must be true or false");
        }
        return ChangeAsync(id, grains, p => p.Review(approve, Note(request.Note)));
    }

    private static async Task<ProductResponse> ChangeAsync(string id, IGrainFactory grains, Func<IProductGrain, Task<ProductView>> change)
    {
        Inputs.Id(id, "id");
        return (await change(grains.GetGrain<IProductGrain>(id))).ToWire();
    }

    private static async Task<ProductResponse> GetAsync(string id, IGrainFactory grains)
    {
        Inputs.Id(id, "id");
        var product = await grains.GetGrain<IProductGrain>(id).Get()
            ?? throw DomainException.NotFound("unknown_product", $"no product {id}");
        return product.ToWire();
    }

    private static string Note(string? note) => Inputs.Text(note ?? "", "note", Inputs.NoteLengthMax, lengthMin: 0);
}
