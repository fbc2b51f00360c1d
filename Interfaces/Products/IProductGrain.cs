using ClearingCluster.Runtime;

namespace ClearingCluster.Interfaces.Products;

/// <summary>A data product, keyed by product id. No compliance review, no listing: only a listed product trades.</summary>
public interface IProductGrain : IGrainWithStringKey
{
    /// <summary>
    /// → pending_review. A repeat of the pending submission returns it; after a rejection the submission (changed or not)
    /// goes back to review, with the rejection kept in the history.
    /// </summary>
    Task<ProductView> Submit(SubmitProduct submission);

    /// <summary>pending_review → listed or rejected.</summary>
    Task<ProductView> Review(bool approve, string note);

    /// <summary>listed → suspended.</summary>
    Task<ProductView> Suspend(string note);

    /// <summary>suspended → listed: the book matches again.</summary>
    Task<ProductView> Reinstate(string note);

    /// <summary>listed or suspended → delisted, for good.</summary>
    Task<ProductView> Delist(string note);

    /// <summary>The product, or null; interleaves with a change in flight, so its book can load it while being told of the change.</summary>
    [AlwaysInterleave]
    Task<ProductView?> Get();
}
