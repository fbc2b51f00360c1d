using System.Security.Cryptography;
using ClearingCluster.Grains.Contracts;
using ClearingCluster.Grains.Ledger;
using ClearingCluster.Interfaces.Contracts;
using FsCheck;
using FsCheck.Fluent;

namespace ClearingCluster.Grains.Tests;

/// <summary>Contract evidence: canonical terms, leaves, roots and audit paths (RFC 9162).</summary>
public sealed class ContractMerkleTests
{
    private static readonly Gen<string> Texts = Gen.Elements("acme", "数据交易所", "a\"b\\c", "line\nbreak", "x", "K-geo-7", "\u0001ctl");

    private static readonly Gen<ContractTerms> Contracts =
        from number in Gen.Choose(1, 1_000_000)
        from buyer in Texts
        from provider in Texts
        from scenario in Texts
        from price in Gen.Choose(1, int.MaxValue)
        from quota in Gen.Choose(1, int.MaxValue)
        from seconds in Gen.Choose(0, 100_000_000)
        select new ContractTerms($"K-geo-{number}", number, buyer, provider, "geo", price, quota, scenario, "api",
            DateTimeOffset.UnixEpoch.AddSeconds(seconds).AddTicks(seconds % 7 * 10), DateTimeOffset.UnixEpoch.AddSeconds(seconds + 86_400), 300,
            $"geo:{number}", $"geo:{number + 1}");

    [Fact]
    public void The_fast_canonical_terms_equal_the_canonical_json_of_the_terms_byte_for_byte()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500).WithReplay(674386, 1), Prop.ForAll(Contracts.ToArbitrary(), contract =>
            ContractMerkle.CanonicalTerms(contract).AsSpan().SequenceEqual(CanonicalJson.Serialize(ContractMerkle.TermsObject(contract)))
            && ContractMerkle.Leaf(contract).AsSpan().SequenceEqual(SHA256.HashData([0x00, .. CanonicalJson.Serialize(ContractMerkle.TermsObject(contract))]))));
    }

    [Fact]
    public void Every_leaf_of_every_tree_size_proves_itself_under_the_root_and_nowhere_else()
    {
        for (var size = 1; size <= 33; size++)
        {
            var leaves = Enumerable.Range(0, size).Select(i => SHA256.HashData([(byte)i, (byte)size])).ToList();
            var root = ContractMerkle.Root(leaves);
            for (var i = 0; i < size; i++)
            {
                var path = ContractMerkle.AuditPath(leaves, i);
                Assert.True(ContractMerkle.Verify(leaves[i], i, size, path, root));
                if (size > 1)
                {
                    Assert.False(ContractMerkle.Verify(leaves[(i + 1) % size], i, size, path, root));
                    Assert.False(ContractMerkle.Verify(leaves[i], (i + 1) % size, size, path, root));
                }
            }
        }
    }

    [Fact]
    public void A_two_leaf_root_is_the_node_hash_of_its_leaves_as_rfc_9162_defines_it()
    {
        var (a, b) = (SHA256.HashData("a"u8), SHA256.HashData("b"u8));

        Assert.Equal(SHA256.HashData([0x01, .. a, .. b]), ContractMerkle.Root([a, b]));
        Assert.Equal(a, ContractMerkle.Root([a]));
    }
}
