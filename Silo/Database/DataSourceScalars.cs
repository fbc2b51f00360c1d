using Npgsql;

namespace ClearingCluster.Silo.Database;

/// <summary>One statement with positional parameters (<c>$1</c>, …), read back as a single value or as a row list.</summary>
public static class DataSourceScalars
{
    /// <summary>The single value: null for no row or SQL NULL.</summary>
    public static async Task<T?> ScalarAsync<T>(this NpgsqlDataSource source, string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = Command(source, sql, parameters);
        return await command.ExecuteScalarAsync(cancellationToken) is T result ? result : default;
    }

    /// <summary>Every row, each made by <paramref name="read"/>, in the statement's order.</summary>
    public static async Task<IReadOnlyList<T>> RowsAsync<T>(this NpgsqlDataSource source, string sql, Func<NpgsqlDataReader, T> read,
        CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = Command(source, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(reader));
        }
        return rows;
    }

    private static NpgsqlCommand Command(NpgsqlDataSource source, string sql, object[] parameters)
    {
        var command = source.CreateCommand(sql);
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }
        return command;
    }
}
