using System.Buffers.Text;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using ClearingCluster.Grains.Accounts;

namespace ClearingCluster.Grains.Clearing;

/// <summary>
/// The fingerprints a settlement's ledger entry carries, SHA-256 in hex: of the cycle's usage totals (one line
/// <c>contract \t units \n</c> per contract, in ordinal contract-id order) and of its postings (one line
/// <c>transfer \t debit \t credit \t amount \n</c> each, in ordinal transfer-id order), UTF-8. Anyone holding the lines
/// can recompute them.
/// </summary>
public static class CycleHashes
{
    /// <summary>The usage hash of settlements in contract-id order, as <see cref="ClearingCompute"/> returns them.</summary>
    public static string Usage(IReadOnlyList<ContractSettlement> contracts)
    {
        using var sha = new LineHash();
        for (var i = 0; i < contracts.Count; i++)
        {
            Debug.Assert(i == 0 || string.CompareOrdinal(contracts[i - 1].ContractId, contracts[i].ContractId) < 0, "settlements come in contract-id order");
            sha.Text(contracts[i].ContractId).Tab().Number(contracts[i].UsedUnits).EndLine();
        }
        return sha.Hex();
    }

    public static string Postings(IEnumerable<Posting> postings)
    {
        using var sha = new LineHash();
        foreach (var p in postings.OrderBy(p => p.TransferId, StringComparer.Ordinal))
        {
            sha.Text(p.TransferId).Tab().Text(p.DebitAccount).Tab().Text(p.CreditAccount).Tab().Number(p.AmountMicros).EndLine();
        }
        return sha.Hex();
    }

    /// <summary>Lines appended to one SHA-256 through a buffer, with no string per line.</summary>
    private sealed class LineHash : IDisposable
    {
        private readonly IncrementalHash sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly byte[] buffer = new byte[64 * 1024];
        private int used;

        public LineHash Text(string value)
        {
            Room(Encoding.UTF8.GetMaxByteCount(value.Length));
            used += Encoding.UTF8.GetBytes(value, buffer.AsSpan(used));
            return this;
        }

        public LineHash Number(long value)
        {
            Room(20);
            Utf8Formatter.TryFormat(value, buffer.AsSpan(used), out var written);
            used += written;
            return this;
        }

        public LineHash Tab() => Byte((byte)'\t');

        public LineHash EndLine() => Byte((byte)'\n');

        public string Hex()
        {
            Flush();
            return Convert.ToHexStringLower(sha.GetHashAndReset());
        }

        public void Dispose() => sha.Dispose();

        private LineHash Byte(byte value)
        {
            Room(1);
            buffer[used++] = value;
            return this;
        }

        private void Room(int bytes)
        {
            if (used + bytes > buffer.Length)
            {
                Flush();
            }
            if (bytes > buffer.Length)
            {
                throw new ArgumentException("a field longer than the hash buffer");
            }
        }

        private void Flush()
        {
            sha.AppendData(buffer, 0, used);
            used = 0;
        }
    }
}
