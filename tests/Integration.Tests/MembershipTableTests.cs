using ClearingCluster.Runtime.Cluster;
using ClearingCluster.Silo.Cluster;
using ClearingCluster.Silo.Database;
using ClearingCluster.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClearingCluster.Integration.Tests;

/// <summary>Orleans' membership tables on PostgreSQL (migration 0013): every change of the view is a compare-and-swap on its version.</summary>
[Collection(PostgresCollection.Name)]
public sealed class MembershipTableTests(TestPostgres postgres)
{
    private static MembershipEntry Entry(int generation, string name = "silo-a") =>
        new("10.0.0.1", 11111, generation, name, "host-a", SiloStatus.Active, 5080, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);

    [Fact]
    public async Task A_change_lands_only_on_the_version_it_read_and_a_refused_one_changes_nothing()
    {
        await using var silo = await SiloHost.StartAsync(await postgres.CreateDatabaseAsync(), SiloHost.Unowned);
        var database = silo.Services.GetRequiredService<ClearingDatabase>();
        var table = new PostgresMembershipTable(database, "membership-test");

        var empty = await table.ReadAllAsync(CancellationToken.None);
        Assert.Equal((0, 0), (empty.Version, empty.Members.Count));
        Assert.True(await table.InsertAsync(Entry(1), 0, CancellationToken.None));
        Assert.False(await table.InsertAsync(Entry(2), 0, CancellationToken.None));
        // The same incarnation again, on the current version: refused, and the version's bump undone with it.
        await Assert.ThrowsAsync<MembershipConflictException>(() => table.InsertAsync(Entry(1, "impostor"), 1, CancellationToken.None));
        var joined = await table.ReadAllAsync(CancellationToken.None);
        Assert.Equal(1, joined.Version);
        var row = Assert.Single(joined.Members);
        Assert.Equal(("silo-a", "host-a", SiloStatus.Active, 5080, 1), (row.SiloName, row.HostName, row.Status, row.ProxyPort, row.Generation));

        // Said a minute ago (the column holds milliseconds): saying it now moves it on.
        await database.DataSource.ScalarAsync<object>(
            "UPDATE OrleansMembershipTable SET IAmAliveTime = IAmAliveTime - interval '1 minute' WHERE DeploymentId = $1", CancellationToken.None, "membership-test");
        row = (await table.ReadAllAsync(CancellationToken.None)).Members[0];
        await table.UpdateIAmAliveAsync(row, CancellationToken.None);
        var alive = await table.ReadAllAsync(CancellationToken.None);
        Assert.Equal(1, alive.Version);
        Assert.True(alive.Members[0].IAmAliveTime > row.IAmAliveTime);

        Assert.False(await table.UpdateStatusAsync(row, SiloStatus.Dead, 0, CancellationToken.None));
        Assert.True(await table.UpdateStatusAsync(row, SiloStatus.Dead, 1, CancellationToken.None));
        var dead = await table.ReadAllAsync(CancellationToken.None);
        Assert.Equal((2, SiloStatus.Dead), (dead.Version, dead.Members[0].Status));
        Assert.False(await table.UpdateStatusAsync(Entry(9), SiloStatus.Dead, 2, CancellationToken.None));
        Assert.Equal(2, (await table.ReadAllAsync(CancellationToken.None)).Version);
    }

    [Fact]
    public async Task Silos_racing_to_join_each_land_once_as_distinct_generations()
    {
        await using var silo = await SiloHost.StartAsync(await postgres.CreateDatabaseAsync(), SiloHost.Unowned);
        var table = new PostgresMembershipTable(silo.Services.GetRequiredService<ClearingDatabase>(), "race-test");
        var timings = new ClusterTimings();
        var silos = Enumerable.Range(0, 8).Select(i => new SiloMembership(table, timings,
            new MembershipEntry("10.0.0.1", 11111, 0, $"silo-{i}", "host", SiloStatus.Created, null, default, default), NullLogger.Instance)).ToList();

        await Task.WhenAll(silos.Select(s => Task.Run(() => s.JoinAsync(CancellationToken.None))));

        var view = await table.ReadAllAsync(CancellationToken.None);
        Assert.Equal(8, view.Version);
        Assert.Equal(silos.Select(s => s.Self!.SiloName).Order(), view.Members.Select(m => m.SiloName).Order());
        Assert.Equal(8, view.Members.Select(m => m.Generation).Distinct().Count());
        Assert.All(view.Members, m => Assert.Equal(SiloStatus.Active, m.Status));
    }
}
