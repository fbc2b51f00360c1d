using ClearingCluster.TestSupport;

namespace ClearingCluster.EndToEnd.Tests;

/// <summary>One PostgreSQL and one Gateway shared by the tests of the collection.</summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public const string AdminKey = "e2e-admin-key-2d1f6c0e9b";

    public TestPostgres Postgres { get; } = new();

    public GatewayFactory Gateway { get; private set; } = null!;

    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        await Postgres.InitializeAsync();
        ConnectionString = await Postgres.CreateDatabaseAsync();
        Gateway = GatewayFactory.Start(ConnectionString, AdminKey);
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Postgres.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayFixture>
{
    public const string Name = "gateway";
}
