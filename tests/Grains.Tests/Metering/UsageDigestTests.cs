using System.Security.Cryptography;
using System.Text;
using ClearingCluster.Grains.Metering;
using ClearingCluster.Interfaces.Metering;
using FsCheck;
using FsCheck.Fluent;

namespace ClearingCluster.Grains.Tests.Metering;

public sealed class UsageDigestTests
{
    /// <summary>The digest as first written (a string per record, hashed incrementally): what stored batches hold.</summary>
    private static byte[] FirstDigest(UsageBatch batch)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{batch.Producer}\n{batch.Sequence}\n"));
        foreach (var record in batch.Records)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(record is { } r ? $"{r.CallId}\u001f{r.ContractId}\u001f{r.AtMicros}\u001f{r.Units}\n" : "-\n"));
        }
        return hash.GetHashAndReset();
    }

    [Fact]
    public void A_batch_digests_to_the_same_bytes_as_before_so_stored_batches_still_match_their_replays()
    {
        var text = Gen.Elements("a", "呼叫", "K-1", "", "x\u001fy", "😀", "0123456789abcdef").ArrayOf().Select(parts => string.Concat(parts));
        var record = text.SelectMany(call => text.SelectMany(contract => Gen.Choose(int.MinValue, int.MaxValue).SelectMany(at => Gen.Choose(0, 1_000_000)
            .SelectMany(units => Gen.Frequency((9, Gen.Constant(false)), (1, Gen.Constant(true)))
                .Select(bad => bad ? (UsageRecord?)null : new UsageRecord(call, contract, at * 1_000_003L, units))))));
        var property = Prop.ForAll(text.ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), record.ListOf().ToArbitrary(), (producer, sequence, records) =>
        {
            var batch = new UsageBatch(producer, sequence * 7L, [.. records]);
            return UsageSplit.Digest(batch).AsSpan().SequenceEqual(FirstDigest(batch));
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500).WithReplay(674386, 1), property);
    }
}
