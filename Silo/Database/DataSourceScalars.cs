using Npgsql;

namespace ClearingCluster.Silo.Database;

/// <summary>One statement with positional parameters (<c>$1</c>, …), its single value read back: null for no row or SQL NULL.</summary>
public static class DataSourceScalars
{
    public static async Task<T?> ScalarAsync<T>(this NpgsqlDataSource source, string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = source.CreateCommand(sql);
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }
        return await command.ExecuteScalarAsync(cancellationToken) is T result ? result : default;
    }
}
