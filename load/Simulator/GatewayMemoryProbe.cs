using System.Globalization;

namespace ClearingCluster.Load.Simulator;

/// <summary>The Gateway's memory at a moment: resident, and the managed heap as its last garbage collection left it.</summary>
public sealed record GatewayMemory(long ResidentMegabytes, long HeapMegabytes);

/// <summary>
/// Reads the Gateway's memory from its <c>/metrics</c> (so it works against any Gateway, started here or not): a heap
/// that keeps growing after collections is a leak; resident memory that grows while the heap does not is the
/// collector keeping memory it may use again.
/// </summary>
public sealed class GatewayMemoryProbe(HttpClient http)
{
    public async Task<GatewayMemory?> ReadAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            return Parse(await http.GetStringAsync("/metrics", timeout.Token));
        }
        catch (Exception unreachable) when (unreachable is HttpRequestException or OperationCanceledException)
        {
            // Down (a chaos kill) or too slow this second: no point.
            return null;
        }
    }

    /// <summary>The two figures from the Prometheus text, or null when either is missing.</summary>
    public static GatewayMemory? Parse(string metrics)
    {
        long? resident = null, heap = null;
        foreach (var line in metrics.AsSpan().EnumerateLines())
        {
            if (Value(line, "process_resident_memory_bytes ") is { } r)
            {
                resident = r;
            }
            else if (Value(line, "dotnet_gc_heap_after_collection_bytes ") is { } h)
            {
                heap = h;
            }
        }
        return resident is { } rb && heap is { } hb ? new GatewayMemory(rb / (1024 * 1024), hb / (1024 * 1024)) : null;
    }

    private static long? Value(ReadOnlySpan<char> line, string name) =>
        line.StartsWith(name, StringComparison.Ordinal) && double.TryParse(line[name.Length..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? (long)value
            : null;
}
