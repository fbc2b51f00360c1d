using System.Text;
using ClearingCluster.Runtime;
using ClearingCluster.Silo.Database;
using ClearingCluster.Silo.Hosting;
using ClearingCluster.Silo.Storage;
using ClearingCluster.TestSupport;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClearingCluster.Integration.Tests;

[Collection(PostgresCollection.Name)]
public sealed class GrainStorageTests(TestPostgres postgres) : IAsyncLifetime
{
    private ClearingDatabase database = null!;
    private PostgresGrainStorage storage = null!;

    public async Task InitializeAsync()
    {
        database = new ClearingDatabase(new ClearingOptions { ConnectionString = postgres.ConnectionString }, NullLoggerFactory.Instance);
        await database.StartAsync(CancellationToken.None);
        storage = new PostgresGrainStorage(database);
    }

    public Task DisposeAsync() => database.StopAsync();

    [Fact]
    public async Task Write_read_and_clear_keep_a_growing_version()
    {
        var id = GrainId.Create("tally", Guid.NewGuid().ToString());

        Assert.Equal(new StoredState(null, 0), await storage.ReadAsync(id, "s", CancellationToken.None));
        Assert.Equal(1, await storage.WriteAsync(id, "s", Json("""{"total":1}"""), 0, CancellationToken.None));
        Assert.Equal(2, await storage.WriteAsync(id, "s", Json("""{"total":2}"""), 1, CancellationToken.None));
        var read = await storage.ReadAsync(id, "s", CancellationToken.None);
        Assert.Equal(2, read.Version);
        Assert.Equal("""{"total": 2}""", Encoding.UTF8.GetString(read.Payload!));

        Assert.Equal(3, await storage.ClearAsync(id, "s", 2, CancellationToken.None));
        Assert.Equal(new StoredState(null, 3), await storage.ReadAsync(id, "s", CancellationToken.None));
        Assert.Equal(4, await storage.WriteAsync(id, "s", Json("""{"total":9}"""), 3, CancellationToken.None));
    }

    [Fact]
    public async Task A_stale_writer_is_refused_and_changes_nothing()
    {
        var id = GrainId.Create("tally", Guid.NewGuid().ToString());
        await storage.WriteAsync(id, "s", Json("""{"total":1}"""), 0, CancellationToken.None);
        await storage.WriteAsync(id, "s", Json("""{"total":2}"""), 1, CancellationToken.None);

        var first = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteAsync(id, "s", Json("""{"total":99}"""), 1, CancellationToken.None));
        var second = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteAsync(id, "s", Json("""{"total":99}"""), 0, CancellationToken.None));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearAsync(id, "s", 5, CancellationToken.None));

        Assert.Contains("expected version 1, stored version is 2", first.Message);
        Assert.Contains("expected version 0, stored version is 2", second.Message);
        var read = await storage.ReadAsync(id, "s", CancellationToken.None);
        Assert.Equal(2, read.Version);
        Assert.Equal("""{"total": 2}""", Encoding.UTF8.GetString(read.Payload!));
    }

    [Fact]
    public void Of_writers_racing_with_the_same_expected_version_exactly_one_wins()
    {
        var property = Prop.ForAll(Gen.Choose(2, 12).ToArbitrary(), Gen.Choose(0, 3).ToArbitrary(), (writers, priorWrites) =>
        {
            var id = GrainId.Create("race", Guid.NewGuid().ToString());
            for (var v = 0; v < priorWrites; v++)
            {
                storage.WriteAsync(id, "s", Json($$"""{"w":{{v}}}"""), v, CancellationToken.None).GetAwaiter().GetResult();
            }
            var outcomes = Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
            {
                try
                {
                    await storage.WriteAsync(id, "s", Json($$"""{"w":{{100 + w}}}"""), priorWrites, CancellationToken.None);
                    return true;
                }
                catch (InconsistentStateException)
                {
                    return false;
                }
            }))).GetAwaiter().GetResult();
            var stored = storage.ReadAsync(id, "s", CancellationToken.None).GetAwaiter().GetResult();
            return outcomes.Count(won => won) == 1 && stored.Version == priorWrites + 1;
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(25).WithReplay(674386, 1), property);
    }

    private static byte[] Json(string text) => Encoding.UTF8.GetBytes(text);
}
