namespace ClearingCluster.Grains.Accounts;

/// <summary>
/// One balanced double-entry posting: <see cref="AmountMicros"/> leaves <see cref="DebitAccount"/> and enters
/// <see cref="CreditAccount"/>. Ledger accounts are sub-accounts of a participant's account
/// (<c>acme:available</c>, <c>acme:held</c>, <c>acme:escrow</c>, <c>acme:backing</c>) or the outside world (<c>external:bank</c>).
/// </summary>
public sealed record Posting(string TransferId, string DebitAccount, string CreditAccount, long AmountMicros, string Kind, string Reference)
{
    public const string ExternalBank = "external:bank";

    public static string Available(string accountId) => accountId + ":available";

    public static string Held(string accountId) => accountId + ":held";

    public static string Escrow(string accountId) => accountId + ":escrow";

    public static string Backing(string accountId) => accountId + ":backing";
}
