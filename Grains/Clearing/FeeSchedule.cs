namespace ClearingCluster.Grains.Clearing;

/// <summary>
/// The exchange's fee in basis points of a contract's gross, per product category with a default for the rest
/// (configuration section <c>Clearing:Fees</c>). A contract takes its category's fee when it is made and keeps it:
/// the fee is one of its terms (on the ledger with them), so a later change of the schedule applies to new contracts only.
/// </summary>
public sealed class FeeSchedule
{
    public const int BasisPointsMax = 5_000;

    public int DefaultBasisPoints { get; set; } = 300;

    public Dictionary<string, int> ByCategory { get; set; } = new(StringComparer.Ordinal);

    public int For(string category) => ByCategory.TryGetValue(category, out var bps) ? bps : DefaultBasisPoints;

    public void Validate()
    {
        if (DefaultBasisPoints is < 0 or > BasisPointsMax || ByCategory.Values.Any(v => v is < 0 or > BasisPointsMax))
        {
            throw new InvalidOperationException($"Clearing:Fees: every fee must be 0–{BasisPointsMax} basis points");
        }
    }
}
