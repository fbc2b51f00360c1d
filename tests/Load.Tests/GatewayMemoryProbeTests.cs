using ClearingCluster.Load.Simulator;

namespace ClearingCluster.Load.Tests;

/// <summary>The simulator's reading of the Gateway's memory from its Prometheus text.</summary>
public sealed class GatewayMemoryProbeTests
{
    [Fact]
    public void Resident_memory_and_the_heap_after_collection_are_read_in_megabytes()
    {
        const string metrics = """
            # HELP dotnet_gc_heap_after_collection_bytes the managed heap as the last garbage collection left it
            # TYPE dotnet_gc_heap_after_collection_bytes gauge
            dotnet_gc_heap_after_collection_bytes 52428800
            # TYPE process_resident_memory_bytes gauge
            process_resident_memory_bytes 2.097152E+08
            process_resident_memory_bytes_other 1
            """;

        Assert.Equal(new GatewayMemory(200, 50), GatewayMemoryProbe.Parse(metrics));
    }

    [Fact]
    public void Metrics_without_either_figure_give_no_reading() =>
        Assert.Null(GatewayMemoryProbe.Parse("process_resident_memory_bytes 1000\n"));
}
