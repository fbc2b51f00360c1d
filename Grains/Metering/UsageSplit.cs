using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using ClearingCluster.Interfaces.Metering;

namespace ClearingCluster.Grains.Metering;

/// <summary>
/// How a batch is cut into meter parts: each well-formed record goes to its contract's shard with its index in the
/// batch; malformed ones are answered <c>bad_record</c> at once. Every part carries the batch's digest, so a
/// sequence reused for a different batch is recognised by any shard.
/// </summary>
public static class UsageSplit
{
    public sealed record Split(IReadOnlyDictionary<int, MeterPart> Parts, IReadOnlyList<UsageRejectionAt> BadRecords);

    public static Split Cut(UsageBatch batch, string producer, string? buyerOnly, int shardCount)
    {
        var digest = Digest(batch);
        var bad = new List<UsageRejectionAt>();
        // Two passes, so each part's arrays are made once at their size: no list grows and nothing is copied after.
        var shardOf = new int[batch.Records.Count];
        var counts = new int[shardCount];
        (string? Contract, int Shard) last = (null, 0);
        for (var i = 0; i < batch.Records.Count; i++)
        {
            if (batch.Records[i] is not { } record)
            {
                bad.Add(new UsageRejectionAt(i, UsageRejections.Wire(UsageRejection.BadRecord)));
                shardOf[i] = -1;
                continue;
            }
            if (!ReferenceEquals(record.ContractId, last.Contract))
            {
                last = (record.ContractId, MeterShards.ShardOf(record.ContractId, shardCount));
            }
            shardOf[i] = last.Shard;
            counts[last.Shard]++;
        }
        var parts = new Dictionary<int, MeterPart>();
        var byShard = new MeterPart?[shardCount];
        for (var shard = 0; shard < shardCount; shard++)
        {
            if (counts[shard] > 0)
            {
                parts[shard] = byShard[shard] = new MeterPart(producer, batch.Sequence, digest, buyerOnly, new int[counts[shard]], new UsageRecord[counts[shard]]);
            }
        }
        var filled = new int[shardCount];
        for (var i = 0; i < shardOf.Length; i++)
        {
            if (shardOf[i] >= 0)
            {
                var part = byShard[shardOf[i]]!;
                var at = filled[shardOf[i]]++;
                part.Indexes[at] = i;
                part.Records[at] = batch.Records[i]!.Value;
            }
        }
        Debug.Assert(parts.All(p => filled[p.Key] == p.Value.Records.Length), "every part is filled to its size");
        return new Split(parts, bad);
    }

    /// <summary>Combines the parts' answers and the bad records into the batch's answer, rejections in index order.</summary>
    public static MeterAnswer Combine(IReadOnlyList<MeterAnswer> answers, IReadOnlyList<UsageRejectionAt> badRecords)
    {
        var rejected = new List<UsageRejectionAt>(badRecords);
        rejected.AddRange(answers.SelectMany(a => a.Rejected));
        rejected.Sort((a, b) => a.Index.CompareTo(b.Index));
        return new MeterAnswer(answers.Sum(a => a.Accepted), answers.Sum(a => a.AcceptedUnits), rejected, answers.Count > 0 && answers.All(a => a.Duplicate));
    }

    /// <summary>What makes two submissions "the same batch": producer, sequence and every record, whatever the format.</summary>
    public static byte[] Digest(UsageBatch batch)
    {
        // The same bytes as ever (stored digests of earlier batches still match their replays), written into one
        // buffer and hashed in one call: no string and no native call per record.
        var text = new ArrayBufferWriter<byte>(64 + batch.Records.Count * 64);
        Utf8(text, batch.Producer);
        Number(text, (byte)'\n', batch.Sequence);
        Byte(text, (byte)'\n');
        foreach (var record in batch.Records)
        {
            if (record is not { } r)
            {
                Utf8(text, "-\n");
                continue;
            }
            Utf8(text, r.CallId);
            Byte(text, 0x1F);
            Utf8(text, r.ContractId);
            Number(text, 0x1F, r.AtMicros);
            Number(text, 0x1F, r.Units);
            Byte(text, (byte)'\n');
        }
        return SHA256.HashData(text.WrittenSpan);
    }

    private static void Utf8(ArrayBufferWriter<byte> into, string text) =>
        into.Advance(Encoding.UTF8.GetBytes(text, into.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length))));

    private static void Byte(ArrayBufferWriter<byte> into, byte value)
    {
        into.GetSpan(1)[0] = value;
        into.Advance(1);
    }

    /// <summary>A separator, then the number in invariant decimal digits (as string interpolation writes a long).</summary>
    private static void Number(ArrayBufferWriter<byte> into, byte separator, long value)
    {
        var span = into.GetSpan(21);
        span[0] = separator;
        if (!Utf8Formatter.TryFormat(value, span[1..], out var written))
        {
            throw new InvalidOperationException("a long is at most 20 characters");
        }
        into.Advance(1 + written);
    }
}
