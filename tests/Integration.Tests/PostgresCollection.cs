using ClearingCluster.TestSupport;

namespace ClearingCluster.Integration.Tests;

/// <summary>Every class in this collection shares one throwaway PostgreSQL server.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<TestPostgres>
{
    public const string Name = "postgres";
}
