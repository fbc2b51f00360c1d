using ClearingCluster.Gateway.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ClearingCluster.Gateway.OpenApi;

/// <summary>
/// The served OpenAPI document as a contract a code generator can trust: the bearer scheme and each operation's
/// security with the roles it admits, tags described, one fixed server, the usage and batch media types with examples.
/// </summary>
public static class ClearingOpenApi
{
    public const string BearerScheme = "bearer";

    /// <summary>The address in the document is the default local one, fixed so the document does not depend on who asks.</summary>
    public const string DefaultServer = "http://127.0.0.1:5080";

    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Operations"] = "Liveness, readiness, metrics, and trading's reconciliation for staff.",
        ["Identity"] = "Who the calling key belongs to.",
        ["Participants"] = "Members and staff: admission, suspension, API keys, gateway authorisations.",
        ["Accounts"] = "Balances in µ¥: deposits, withdrawals, holds for resting buys, escrow of contracts.",
        ["Vouchers"] = "Data vouchers that pay for usage of eligible categories.",
        ["Products"] = "Data products: submission, compliance review, listing, and their order books.",
        ["Orders"] = "Order entry for members and the gateways they authorise, single and batched.",
        ["Contracts"] = "Contracts made by fills, their quota used, and their evidence on the ledger.",
        ["Usage"] = "Metered data calls against contracts, in batches.",
        ["Evidence ledger"] = "The hash-chained evidence ledger, for admin and regulators.",
        ["Clearing"] = "Clearing cycles: cut-off, compute, settle, adjustments, and members' statements.",
    };

    private static readonly Dictionary<string, string> PolicyCallers = new(StringComparer.Ordinal)
    {
        [AuthPolicies.Authenticated] = "any participant's key; the route admits only those named in its summary",
        [AuthPolicies.AdminOnly] = "admin",
        [AuthPolicies.ClearingStaff] = "clearing",
        [AuthPolicies.Oversight] = "admin, regulator",
        [AuthPolicies.ClearingOversight] = "clearing, admin, regulator",
        [AuthPolicies.UsageProducers] = "gateway, buyer",
    };

    public static IServiceCollection AddClearingOpenApi(this IServiceCollection services) => services.AddOpenApi(options =>
    {
        options.AddDocumentTransformer(DescribeDocument);
        options.AddOperationTransformer(SecureOperation);
        options.AddOperationTransformer(RequestExamples.Apply);
    });

    private static Task DescribeDocument(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "ClearingCluster Gateway";
        document.Info.Description =
            "Trading and clearing of data products: members, accounts, products, orders, contracts, usage and the evidence ledger. "
            + "Amounts are integers in µ¥ (micro-yuan); times are UTC with microseconds. Every refusal is application/problem+json "
            + "whose `type` names the rule (`urn:clearing:problem:<rule>`); a refused request changes nothing. A 503 carries Retry-After.";
        document.Info.License = new OpenApiLicense { Name = "Proprietary", Identifier = "LicenseRef-ClearingCluster" };
        document.Servers = [new OpenApiServer { Url = DefaultServer, Description = "the Gateway as `./cluster up` starts it; use your deployment's address" }];
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "API key",
            Description = "An API key issued by admin (POST /v1/participants/{id}/keys), sent as `Authorization: Bearer <key>`; it carries its participant's roles.",
        };
        document.Tags = new HashSet<OpenApiTag>(TagDescriptions.Select(t => new OpenApiTag { Name = t.Key, Description = t.Value }));
        return Task.CompletedTask;
    }

    private static Task SecureOperation(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<IAllowAnonymous>().Any())
        {
            // An explicit empty list: this operation needs no key (no inherited requirement applies).
            operation.Security = [];
            return Task.CompletedTask;
        }
        var policy = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).LastOrDefault(p => p is not null) ?? AuthPolicies.Authenticated;
        operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] }];
        var callers = PolicyCallers.TryGetValue(policy, out var named) ? named : policy;
        operation.Description = $"{operation.Description}{(string.IsNullOrEmpty(operation.Description) ? "" : "\n\n")}Roles: {callers}.";
        return Task.CompletedTask;
    }
}
