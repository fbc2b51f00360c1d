using System.Text;

namespace ClearingCluster.Grains.Metering;

/// <summary>
/// Which meter shard counts a contract: FNV-1a (32 bit) of the contract id's UTF-8, modulo the shard count.
/// Stable across processes and restarts (unlike <see cref="string.GetHashCode()"/>), so every Gateway and every
/// restart sends a contract's usage to the same shard.
/// </summary>
public static class MeterShards
{
    public const int CountMax = 1024;

    public static int ShardOf(string contractId, int shardCount)
    {
        if (shardCount is < 1 or > CountMax)
        {
            throw new ArgumentOutOfRangeException(nameof(shardCount), $"shard count must be 1–{CountMax}");
        }
        Span<byte> buffer = stackalloc byte[512];
        var bytes = Encoding.UTF8.GetByteCount(contractId) <= buffer.Length ? buffer[..Encoding.UTF8.GetBytes(contractId, buffer)] : Encoding.UTF8.GetBytes(contractId);
        var hash = 2166136261u;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619u;
        }
        return (int)(hash % (uint)shardCount);
    }
}
