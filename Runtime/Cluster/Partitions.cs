using System.IO.Hashing;
using System.Runtime.InteropServices;
using ClearingCluster.Runtime.Durability;

namespace ClearingCluster.Runtime.Cluster;

/// <summary>The fixed partitions grains are owned by (docs/CLUSTER.md), and the commit-log fence of a partition's epoch.</summary>
public static class Partitions
{
    public const int Count = 1024;

    /// <summary>
    /// The partition a grain belongs to: XXH3 of its type in UTF-16LE seeding XXH3 of its key in UTF-16LE. Stable across
    /// processes, machines and releases (a silo and a gateway must agree on it), so it must never change.
    /// </summary>
    public static int Of(GrainId grain)
    {
        var type = XxHash3.HashToUInt64(LittleEndian(grain.Type, stackalloc byte[2 * 64]));
        var key = XxHash3.HashToUInt64(LittleEndian(grain.Key, stackalloc byte[2 * GrainId.KeyLengthMax]), unchecked((long)type));
        return (int)(key % Count);
    }

    /// <summary>The text's UTF-16 code units, little-endian whatever the machine's order (in place when it is little-endian).</summary>
    private static ReadOnlySpan<byte> LittleEndian(string text, Span<byte> buffer)
    {
        if (BitConverter.IsLittleEndian)
        {
            return MemoryMarshal.AsBytes(text.AsSpan());
        }
        var bytes = text.Length * 2 <= buffer.Length ? buffer[..(text.Length * 2)] : new byte[text.Length * 2];
        for (var i = 0; i < text.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(bytes[(2 * i)..], text[i]);
        }
        return bytes;
    }

    /// <summary>Partitions as sorted ranges, <c>0-3,7,9-12</c>: how an operator reads which partitions a silo holds.</summary>
    public static string Ranges(IEnumerable<int> partitions)
    {
        var text = new System.Text.StringBuilder();
        int? start = null, end = null;
        foreach (var partition in partitions.Distinct().Order().Append(int.MaxValue))
        {
            if (end is { } last && partition == last + 1)
            {
                end = partition;
                continue;
            }
            if (start is { } first)
            {
                text.Append(text.Length > 0 ? "," : "").Append(first);
                if (end != first)
                {
                    text.Append('-').Append(end);
                }
            }
            (start, end) = (partition, partition);
        }
        return text.ToString();
    }

    /// <summary>The writer fence a flush carries for a partition: <c>partition/&lt;n&gt;</c> at the owner's epoch.</summary>
    public static WriterFence Fence(int partition, long epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(partition, Count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epoch);
        return new WriterFence($"partition/{partition}", epoch);
    }
}

/// <summary>Partition ownership as the database keeps it: each call is one atomic statement doing what <see cref="PartitionOwner"/> says.</summary>
public interface IPartitionOwnership
{
    /// <summary>The new epoch if the silo now owns the partition; null if another silo's lease still runs.</summary>
    Task<long?> AcquireAsync(int partition, string silo, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>The epoch again if the lease was extended; null if the silo no longer owns the partition in that epoch or its lease ran out.</summary>
    Task<long?> RenewAsync(int partition, string silo, long epoch, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Lets the partition go at once (after the owner's last flush); false if it was not the silo's in that epoch.</summary>
    Task<bool> ReleaseAsync(int partition, string silo, long epoch, CancellationToken cancellationToken);

    Task<PartitionOwner> ReadAsync(int partition, CancellationToken cancellationToken);

    /// <summary>
    /// Takes up to <paramref name="max"/> partitions nobody holds (or whose lease ran out), each in a new epoch, in one
    /// statement; with <paramref name="takeOwnBack"/> also those still held under the silo's own name — a restarted silo's
    /// first round, when its name is one only a single live process can bear (docs/CLUSTER.md). With
    /// <paramref name="only"/>, of the free ones only those, and any free for <paramref name="orFreeFor"/> or never held.
    /// </summary>
    Task<IReadOnlyList<HeldPartition>> AcquireFreeAsync(string silo, int max, TimeSpan lease, CancellationToken cancellationToken, bool takeOwnBack = false,
        IReadOnlyList<int>? only = null, TimeSpan orFreeFor = default);

    /// <summary>Renews those of <paramref name="held"/> the silo still owns in that epoch with a running lease; returns them.</summary>
    Task<IReadOnlyList<HeldPartition>> RenewAllAsync(string silo, IReadOnlyList<HeldPartition> held, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Lets every one of <paramref name="held"/> go that is still the silo's in that epoch; returns how many.</summary>
    Task<int> ReleaseAllAsync(string silo, IReadOnlyList<HeldPartition> held, CancellationToken cancellationToken);

    /// <summary>Every partition's row, in partition order, and the database's clock at the read (leases run on it).</summary>
    Task<(IReadOnlyList<PartitionOwner> Owners, long AtMicros)> ReadAllAsync(CancellationToken cancellationToken);
}

/// <summary>A partition a silo holds, in the epoch it holds it in.</summary>
public readonly record struct HeldPartition(int Partition, long Epoch);
