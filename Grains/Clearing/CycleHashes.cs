using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ClearingCluster.Grains.Accounts;

namespace ClearingCluster.Grains.Clearing;

/// <summary>
/// The fingerprints a settlement's ledger entry carries, SHA-256 in hex: of the cycle's usage totals (one line
/// <c>contract \t units</c> per contract, in contract-id order) and of its postings (one line
/// <c>transfer \t debit \t credit \t amount</c> each, in transfer-id order). Anyone holding the lines can recompute them.
/// </summary>
public static class CycleHashes
{
    public static string Usage(IEnumerable<ContractSettlement> contracts) =>
        Hash(contracts.OrderBy(c => c.ContractId, StringComparer.Ordinal)
            .Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.ContractId}\t{c.UsedUnits}\n")));

    public static string Postings(IEnumerable<Posting> postings) =>
        Hash(postings.OrderBy(p => p.TransferId, StringComparer.Ordinal)
            .Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.TransferId}\t{p.DebitAccount}\t{p.CreditAccount}\t{p.AmountMicros}\n")));

    private static string Hash(IEnumerable<string> lines)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var line in lines)
        {
            sha.AppendData(Encoding.UTF8.GetBytes(line));
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
