namespace ClearingCluster.Interfaces.Accounts;

/// <summary>Accounts that exist without a participant behind them.</summary>
public static class AccountIds
{
    public const string Exchange = "exchange";
    public const string VoucherFund = "voucher-fund";

    public static readonly IReadOnlySet<string> System = new HashSet<string>(StringComparer.Ordinal) { Exchange, VoucherFund };
}
