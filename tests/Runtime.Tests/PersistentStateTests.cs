using System.Text;

namespace ClearingCluster.Runtime.Tests;

public sealed class PersistentStateTests
{
    [Fact]
    public async Task Write_read_and_clear_advance_the_version()
    {
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.Grain<ICounterGrain>("versions");

        Assert.Equal(0, await grain.Version());
        await grain.Add(1);
        await grain.Add(1);
        Assert.Equal(2, await grain.Version());

        await grain.Clear();
        Assert.Equal(3, await grain.Version());
        Assert.Equal(0, await grain.Get());

        var stored = await silo.Storage.ReadAsync(GrainId.Create("counter", "versions"), "counter", CancellationToken.None);
        Assert.Null(stored.Payload);
        Assert.Equal(3, stored.Version);
    }

    [Fact]
    public async Task A_stale_writer_is_refused_and_its_activation_dropped()
    {
        await using var silo = await TestSilo.StartAsync();
        var grain = silo.Grain<ICounterGrain>("stale");
        await grain.Add(10);

        // Another writer (a second silo, an operator) moves the stored state on behind this activation's back.
        var id = GrainId.Create("counter", "stale");
        await silo.Storage.WriteAsync(id, "counter", Encoding.UTF8.GetBytes("""{"value":500}"""), expectedVersion: 1, CancellationToken.None);

        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => grain.Add(1));
        Assert.Contains("expected version 1", error.Message);
        Assert.Equal(DeactivationReason.InconsistentState, await silo.Probe.WhenDeactivated("stale").Within());

        // Nothing was overwritten; the next activation reads the winner's state.
        Assert.Equal(500, await grain.Get());
        Assert.Equal(501, await grain.Add(1));
    }

    [Fact]
    public async Task Storage_refuses_a_write_with_a_wrong_version_and_keeps_the_record()
    {
        var storage = new MemoryGrainStorage();
        var id = GrainId.Create("t", "k");
        await storage.WriteAsync(id, "s", [1], 0, CancellationToken.None);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteAsync(id, "s", [2], 0, CancellationToken.None));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearAsync(id, "s", 5, CancellationToken.None));

        var stored = await storage.ReadAsync(id, "s", CancellationToken.None);
        Assert.Equal([1], stored.Payload);
        Assert.Equal(1, stored.Version);
    }
}
