using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClearingCluster.Grains.Ledger;
using ClearingCluster.Interfaces.Contracts;
using ClearingCluster.Interfaces.Ledger;

namespace ClearingCluster.Grains.Contracts;

/// <summary>
/// Contracts on the evidence ledger, a batch at a time (docs/LEDGER.md). Each contract's leaf is
/// <c>SHA-256(0x00 ‖ canonical JSON of its terms)</c>, which is its evidence code; a batch's root is the Merkle tree
/// hash of RFC 9162 over its leaves in contract-number order (<c>SHA-256(0x01 ‖ left ‖ right)</c>, split at the
/// largest power of two below the size); its ledger entry carries the root. An audit path proves one leaf under the
/// root without the others.
/// </summary>
public static class ContractMerkle
{
    public const string EntryKind = "contracts.evidenced";

    private const byte LeafPrefix = 0x00;
    private const byte NodePrefix = 0x01;

    /// <summary>
    /// The ledger record for contracts <c>first</c>–<c>last</c> of a product (contiguous, in number order): one entry
    /// carrying their Merkle root. Its event id names the range, so a redelivery after a crash writes it once.
    /// </summary>
    public static EvidenceRecord Evidence(string product, IReadOnlyList<ContractTerms> contracts)
    {
        if (contracts.Count == 0)
        {
            throw new ArgumentException("evidence covers at least one contract", nameof(contracts));
        }
        var (first, last) = (contracts[0].Number, contracts[^1].Number);
        if (last - first + 1 != contracts.Count || contracts.Any(c => c.Product != product))
        {
            throw new ArgumentException($"evidence covers contracts {first}–{last} of {product} without gaps, in order", nameof(contracts));
        }
        var root = Root([.. contracts.Select(Leaf)]);
        return new EvidenceRecord($"{EntryKind}/{product}/{first}-{last}", EntryKind, product, new JsonObject
        {
            ["product"] = product,
            ["first"] = first,
            ["last"] = last,
            ["count"] = contracts.Count,
            ["root"] = Convert.ToHexStringLower(root),
        }, new EvidenceRange(first, last));
    }

    /// <summary>
    /// The terms a contract's evidence code proves, as canonical JSON: written straight in canonical key order with the
    /// canonical writer settings (every contract of a batch is hashed, so this is on the trading path's heels). Equal
    /// byte for byte to <see cref="CanonicalJson"/> of <see cref="TermsObject"/>, which a test holds it to.
    /// </summary>
    public static byte[] CanonicalTerms(ContractTerms c)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using var json = new Utf8JsonWriter(buffer, CanonicalJson.WriterOptions);
        WriteCanonicalTerms(json, c);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Per thread, the buffer and writer leaves are hashed from: a batch hashes thousands of them.</summary>
    [ThreadStatic]
    private static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Json)? leafScratch;

    private static void WriteCanonicalTerms(Utf8JsonWriter json, ContractTerms c)
    {
        Span<char> validFrom = stackalloc char[TimeLength];
        Span<char> validTo = stackalloc char[TimeLength];
        json.WriteStartObject();
        json.WriteString("buyOrder", c.BuyOrderId);
        json.WriteString("buyer", c.Buyer);
        json.WriteString("delivery", c.Delivery);
        json.WriteNumber("exchangeFeeBasisPoints", c.ExchangeFeeBasisPoints);
        json.WriteString("id", c.Id);
        json.WriteNumber("price", c.PriceMicros);
        json.WriteString("product", c.Product);
        json.WriteString("provider", c.Provider);
        json.WriteNumber("quota", c.Quota);
        json.WriteString("scenario", c.Scenario);
        json.WriteString("sellOrder", c.SellOrderId);
        json.WriteString("validFrom", Time(c.ValidFrom, validFrom));
        json.WriteString("validTo", Time(c.ValidTo, validTo));
        json.WriteEndObject();
        json.Flush();
    }

    private const int TimeLength = 27;

    /// <summary><see cref="EvidenceChain.FormatTime"/> into a span, without a string.</summary>
    private static ReadOnlySpan<char> Time(DateTimeOffset at, Span<char> into) =>
        at.UtcDateTime.TryFormat(into, out var written, "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture) && written == TimeLength
            ? into
            : throw new ArgumentOutOfRangeException(nameof(at), at, "a contract time outside years 0001–9999");

    /// <summary>The same terms as a JSON object: the reference the fast writer above must equal.</summary>
    public static JsonObject TermsObject(ContractTerms c) => new()
    {
        ["id"] = c.Id,
        ["buyer"] = c.Buyer,
        ["provider"] = c.Provider,
        ["product"] = c.Product,
        ["price"] = c.PriceMicros,
        ["quota"] = c.Quota,
        ["scenario"] = c.Scenario,
        ["delivery"] = c.Delivery,
        ["validFrom"] = EvidenceChain.FormatTime(c.ValidFrom),
        ["validTo"] = EvidenceChain.FormatTime(c.ValidTo),
        ["exchangeFeeBasisPoints"] = c.ExchangeFeeBasisPoints,
        ["buyOrder"] = c.BuyOrderId,
        ["sellOrder"] = c.SellOrderId,
    };

    public static byte[] Leaf(ContractTerms contract)
    {
        var (buffer, json) = leafScratch ??= (new ArrayBufferWriter<byte>(512), new Utf8JsonWriter(Stream.Null, CanonicalJson.WriterOptions));
        buffer.ResetWrittenCount();
        json.Reset(buffer);
        buffer.GetSpan(1)[0] = LeafPrefix;
        buffer.Advance(1);
        WriteCanonicalTerms(json, contract);
        return SHA256.HashData(buffer.WrittenSpan);
    }

    /// <summary>The evidence code: the leaf, as 64 lower-case hex characters.</summary>
    public static string EvidenceCode(ContractTerms contract) => Convert.ToHexStringLower(Leaf(contract));

    public static byte[] Root(IReadOnlyList<byte[]> leaves)
    {
        if (leaves.Count == 0)
        {
            throw new ArgumentException("a Merkle root needs at least one leaf", nameof(leaves));
        }
        return Hash(leaves, 0, leaves.Count);
    }

    /// <summary>RFC 9162's PATH(m, D[n]): the sibling hashes from leaf <paramref name="index"/> up to the root.</summary>
    public static IReadOnlyList<byte[]> AuditPath(IReadOnlyList<byte[]> leaves, int index)
    {
        if (index < 0 || index >= leaves.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"leaf {index} is not among {leaves.Count}");
        }
        var path = new List<byte[]>();
        Path(leaves, index, 0, leaves.Count, path);
        return path;
    }

    /// <summary>RFC 9162 §2.1.3.2: whether <paramref name="leaf"/> at <paramref name="index"/> of <paramref name="size"/> leaves is under <paramref name="root"/>.</summary>
    public static bool Verify(byte[] leaf, long index, long size, IReadOnlyList<byte[]> path, byte[] root)
    {
        if (index < 0 || index >= size)
        {
            return false;
        }
        long fn = index, sn = size - 1;
        var r = leaf;
        foreach (var p in path)
        {
            if (sn == 0)
            {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn)
            {
                r = Node(p, r);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                r = Node(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && r.AsSpan().SequenceEqual(root);
    }

    private static byte[] Hash(IReadOnlyList<byte[]> leaves, int start, int count)
    {
        if (count == 1)
        {
            return leaves[start];
        }
        var split = Split(count);
        return Node(Hash(leaves, start, split), Hash(leaves, start + split, count - split));
    }

    private static void Path(IReadOnlyList<byte[]> leaves, int index, int start, int count, List<byte[]> path)
    {
        if (count == 1)
        {
            return;
        }
        var split = Split(count);
        if (index < split)
        {
            Path(leaves, index, start, split, path);
            path.Add(Hash(leaves, start + split, count - split));
        }
        else
        {
            Path(leaves, index - split, start + split, count - split, path);
            path.Add(Hash(leaves, start, split));
        }
    }

    /// <summary>The largest power of two strictly below <paramref name="count"/> (count ≥ 2).</summary>
    private static int Split(int count)
    {
        var k = 1;
        while (k << 1 < count)
        {
            k <<= 1;
        }
        return k;
    }

    private static byte[] Node(byte[] left, byte[] right)
    {
        Span<byte> input = stackalloc byte[65];
        input[0] = NodePrefix;
        left.CopyTo(input[1..]);
        right.CopyTo(input[33..]);
        return SHA256.HashData(input);
    }
}
